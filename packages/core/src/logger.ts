import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values are never logged, wherever they sit in a logged object.
 * Secrets come from the environment; this is the last line that keeps them out of logs.
 */
const REDACT = ['apiKey', '*.apiKey', '*.*.apiKey', 'authorization', '*.authorization', 'token', '*.token', 'headers.authorization'];

/**
 * Creates the structured logger. Object first, message second: `log.info({ runId }, "batch committed")`.
 * Logs go to stderr so stdout stays clean for `--json` summaries.
 * @param level pino level; default `SYNTHFARM_LOG_LEVEL`, else `error` (a CLI run reports through its progress bar and summary; set `SYNTHFARM_LOG_LEVEL=warn` to see retries, circuits and hosts marked down).
 */
export function createLogger(opts: { level?: string; name?: string; env?: NodeJS.ProcessEnv } = {}): Logger {
  const env = opts.env ?? process.env;
  return pino(
    { name: opts.name ?? 'synthfarm', level: opts.level ?? env.SYNTHFARM_LOG_LEVEL ?? 'error', redact: { paths: REDACT, censor: '[redacted]' } },
    pino.destination(2),
  );
}
