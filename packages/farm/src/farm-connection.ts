import type { Redis } from 'ioredis';
import { createRedisBatchStore } from './redis-batch-store.js';
import { DEFAULT_PREFIX, farmKeys, type FarmKeys } from './keys.js';
import { createRedis, pingRedis } from './redis-connection.js';
import type { BatchStore } from './batch-store.js';
import { RunStore } from './run-store.js';

/** Everything a farm client (CLI, API, scheduler) needs, on two Redis connections. */
export interface FarmConnection {
  url: string;
  redis: Redis;
  /** Held by blocking reads (the aggregator's wait). */
  blocking: Redis;
  keys: FarmKeys;
  store: RunStore;
  results: BatchStore;
  close(): Promise<void>;
}

/** Connects to the farm's Redis and checks it answers (BackendUnavailable, exit 3, if not). */
export async function connectFarm(url: string, prefix = DEFAULT_PREFIX): Promise<FarmConnection> {
  const redis = createRedis(url);
  const blocking = createRedis(url);
  const keys = farmKeys(prefix);
  try {
    await pingRedis(redis, url);
  } catch (err) {
    redis.disconnect();
    blocking.disconnect();
    throw err;
  }
  return {
    url, redis, blocking, keys,
    store: new RunStore(redis, keys),
    results: createRedisBatchStore(redis, blocking, keys),
    async close() {
      redis.disconnect();
      blocking.disconnect();
    },
  };
}
