import { UsageError } from '@synthfarm/core';

/** The farm's Redis URL from --redis or REDIS_URL; a usage error (exit 2) without one. */
export function redisUrl(opts: { redis?: string }): string {
  const url = opts.redis ?? process.env.REDIS_URL;
  if (!url) throw new UsageError('farm mode needs --redis URL (or REDIS_URL), e.g. --redis redis://127.0.0.1:6379');
  return url;
}
