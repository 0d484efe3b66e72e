import { runCli } from './cli.js';
import { dropWritesOnEpipe, exitQuietlyOnEpipe } from './quiet-epipe.js';

exitQuietlyOnEpipe(process.stdout);
dropWritesOnEpipe(process.stderr);
/**
 * Settles when the command has finished, its exit code set: bin/synthfarm.js waits for it, so a
 * program that imports the launcher (a benchmark) resumes when the command is done. No top-level
 * await: the bundle is one CommonJS script (bin/run-bundle.js).
 */
export const finished: Promise<void> = runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
