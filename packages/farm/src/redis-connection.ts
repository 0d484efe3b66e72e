import { Redis, type RedisOptions } from 'ioredis';
import { UsageError } from '@synthfarm/core';

/**
 * An ioredis connection as BullMQ wants it: commands wait across reconnects instead of
 * failing (`maxRetriesPerRequest: null`), so a Redis restart (with AOF) is a pause, not a crash.
 */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--redis ${url}: not a URL (expected redis://host:6379)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new UsageError(`--redis ${url}: expected a redis:// or rediss:// URL`);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...opts,
  });
  // Connection errors surface through the commands that wait on them (and pingRedis at start);
  // unlistened, ioredis prints each reconnect attempt's stack trace.
  redis.on('error', () => undefined);
  return redis;
}

/** Checks Redis answers within `timeoutMs`; a clear error naming the URL otherwise (exit 3). */
export async function pingRedis(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  const { BackendUnavailable } = await import('@synthfarm/core');
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref());
  try {
    await Promise.race([redis.ping(), timer]);
  } catch (err) {
    throw new BackendUnavailable(`[farm] Redis at ${redactUrl(url)} does not answer (${(err as Error).message}); start one with \`redis-server --appendonly yes\``);
  }
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
