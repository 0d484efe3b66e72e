import type { Redis } from 'ioredis';
import { ArmStateSchema, type Weights, type WeightStore } from '@synthfarm/routing';
import type { FarmKeys } from './keys.js';

/**
 * The farm's learned routing weights (DESIGN §8): one Redis hash, arm → state, shared by every
 * coordinator and so by the batches of every worker. A run keeps a snapshot of the weights it
 * started from, so a resumed coordinator routes its remaining batches exactly as the first one
 * would have, whatever other runs saved meanwhile.
 */
export function createRedisWeightStore(redis: Redis, keys: FarmKeys, runId: string): WeightStore {
  const global = keys.routingWeights;
  const snapshot = keys.runWeights(runId);
  return {
    where: `redis ${global}`,
    async load() {
      const kept = await redis.get(snapshot);
      if (kept !== null) return kept ? (JSON.parse(kept) as Weights) : undefined;
      const raw = await redis.hgetall(global);
      const arms: Weights['arms'] = {};
      for (const [k, v] of Object.entries(raw)) {
        const s = ArmStateSchema.safeParse(JSON.parse(v));
        if (s.success) arms[k] = s.data;
      }
      const w: Weights | undefined = Object.keys(arms).length ? { version: 1, arms } : undefined;
      await redis.set(snapshot, w ? JSON.stringify(w) : '', 'EX', SNAPSHOT_TTL_S);
      return w;
    },
    async save(w) {
      const entries = Object.entries(w.arms);
      if (entries.length) await redis.hset(global, Object.fromEntries(entries.map(([k, s]) => [k, JSON.stringify(s)])));
    },
  };
}

/** A run's starting-weights snapshot outlives any resume of it: a week, in seconds. */
const SNAPSHOT_TTL_S = 7 * 24 * 3600;
