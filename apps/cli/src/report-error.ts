import { ExitCode, SynthfarmError } from '@synthfarm/core/errors';

/**
 * Prints an error the way a user should see it: one short line naming what is wrong and
 * where, no stack trace (set SYNTHFARM_DEBUG=1 for one). Returns the documented exit code.
 */
export function reportError(err: unknown, stderr: NodeJS.WritableStream = process.stderr, env = process.env): number {
  if (err instanceof SynthfarmError) {
    stderr.write(`synthfarm: ${err.message}\n`);
    if (env.SYNTHFARM_DEBUG) stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const msg = err instanceof Error ? err.message : String(err);
  stderr.write(`synthfarm: internal error: ${msg}\n`);
  if (env.SYNTHFARM_DEBUG && err instanceof Error) stderr.write(`${err.stack}\n`);
  return ExitCode.Failed;
}
