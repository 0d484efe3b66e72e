import type { Redis } from 'ioredis';
import type { FarmKeys } from './keys.js';

/** Run states after which there is nothing left to cancel. */
export const FINAL_STATES = ['completed', 'failed', 'budget_exceeded', 'cancelled'] as const;

/** What {@link requestCancel} found. */
export type CancelRequest =
  | { outcome: 'requested' }
  | { outcome: 'not_found' }
  | { outcome: 'finished'; state: string };

// Atomic: a run that finishes between a read and a write is never flagged.
const REQUEST = `
if redis.call('exists', KEYS[1]) == 0 then return {'not_found', ''} end
local state = redis.call('hget', KEYS[1], 'state') or 'queued'
for _, s in ipairs(ARGV) do if s == state then return {'finished', state} end end
redis.call('hsetnx', KEYS[1], 'cancel', tostring(redis.call('time')[1]))
redis.call('lpush', KEYS[2], 'cancel')
return {'requested', state}`;

/**
 * Asks a run to end (`synthfarm cancel`, `DELETE /runs/:id`): sets the `cancel` field of its run
 * hash and wakes its coordinator, which stops dispatching, takes its waiting batches off the
 * queue and turns every record not yet written into a reject with reason `cancelled`. A run
 * that has ended is left untouched.
 */
export async function requestCancel(redis: Redis, keys: FarmKeys, runId: string): Promise<CancelRequest> {
  const [outcome, state] = (await redis.eval(REQUEST, 2, keys.run(runId), keys.done(runId), ...FINAL_STATES)) as [string, string];
  if (outcome === 'not_found') return { outcome };
  if (outcome === 'finished') return { outcome, state };
  return { outcome: 'requested' };
}

/** True once the run was asked to end. */
export async function cancelRequested(redis: Redis, keys: FarmKeys, runId: string): Promise<boolean> {
  return (await redis.hexists(keys.run(runId), 'cancel')) === 1;
}
