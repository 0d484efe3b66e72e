import { UsageError } from '@synthfarm/core';

/** The variable that selects the farm's Redis when --redis is not given. */
export const REDIS_URL_ENV = 'SYNTHFARM_REDIS_URL';

/**
 * The farm's Redis URL from --redis or SYNTHFARM_REDIS_URL (commander fills `opts.redis` from
 * it); a usage error (exit 2) without one. A generic REDIS_URL, which many apps export, never
 * selects the farm: the message says so when it is the only one set.
 */
export function redisUrl(opts: { redis?: string }, env: NodeJS.ProcessEnv = process.env): string {
  const url = opts.redis ?? env[REDIS_URL_ENV];
  if (url) return url;
  const ignored = env.REDIS_URL ? ` (REDIS_URL is set but ignored: farm mode is chosen only by --redis or ${REDIS_URL_ENV})` : '';
  throw new UsageError(`--redis: farm mode needs --redis URL or ${REDIS_URL_ENV}, e.g. --redis redis://127.0.0.1:6379${ignored}`);
}
