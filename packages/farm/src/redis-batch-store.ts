import type { Redis } from 'ioredis';
import { batchOutputFromJson, batchOutputToJson } from '@synthfarm/engine';
import type { BatchStore } from './batch-store.js';
import type { FarmKeys } from './keys.js';

/** How long an uncollected batch result lives, in seconds (a dead run's results expire). */
export const RESULT_TTL_SECONDS = 24 * 3600;

/**
 * BatchStore on Redis: a result is one string key with a TTL; a finished batch also pushes a
 * wake-up on a list the aggregator blocks on (`wait`), so there is no polling loop.
 * `blocking` must be a connection of its own: BRPOP holds it.
 */
export function createRedisBatchStore(redis: Redis, blocking: Redis, keys: FarmKeys): BatchStore {
  return {
    async put(r, d, b, out) {
      await redis.multi().set(keys.result(r, d, b), batchOutputToJson(out), 'EX', RESULT_TTL_SECONDS).lpush(keys.done(r), `${d}:${b}`).ltrim(keys.done(r), 0, 999).exec();
    },
    async get(r, d, b) {
      const raw = await redis.get(keys.result(r, d, b));
      return raw ? batchOutputFromJson(raw) : undefined;
    },
    async delete(r, d, b) {
      await redis.del(keys.result(r, d, b));
    },
    async wait(r, timeoutMs) {
      await blocking.brpop(keys.done(r), Math.max(0.01, timeoutMs / 1000));
    },
  };
}
