import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { SynthfarmError, UsageError } from '@synthfarm/core';
import type { FarmKeys } from './keys.js';
import type { RunStore } from './run-store.js';
import type { RunState } from './run-summary.js';

/** How long a coordinator's run lock lives without renewal, in milliseconds; renewed every third of it. */
export const LOCK_TTL_MS = 10_000;

/** States a run never leaves: a coordinator started on one would only overwrite its record. */
export const FINISHED_STATES: ReadonlySet<RunState> = new Set(['completed', 'failed', 'budget_exceeded']);

/** What a coordinator writes into its run's lock: `pid@host`, so another process can tell if it is alive. */
export function lockHolder(): string {
  return `${process.pid}@${hostname()}`;
}

/** True when `holder` names a process on this machine that no longer exists. */
function deadHere(holder: string): boolean {
  const at = holder.indexOf('@');
  const pid = Number(holder.slice(0, at));
  if (at < 0 || holder.slice(at + 1) !== hostname() || !(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const DELETE_IF_HOLDER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/**
 * Refuses to coordinate a finished run: `resume` on a completed run would rewrite its manifest
 * and state as failed. Reads only.
 * @throws UsageError `run X already finished with status S; nothing changed` (exit 2).
 */
export async function assertNotFinished(store: RunStore, runId: string): Promise<void> {
  const run = await store.summary(runId);
  if (run && FINISHED_STATES.has(run.state)) throw new UsageError(`run ${runId} already finished with status ${run.state}; nothing changed`);
}

/**
 * Takes the run's coordinator lock, or refuses while a live coordinator holds it. A holder on this
 * machine is checked directly (a dead pid's lock is taken over at once, so `resume` right after a
 * crash need not wait); one elsewhere is alive while it keeps renewing, so we wait up to two TTLs
 * for its lock to lapse. Reads and the lock key only: a refusal changes nothing.
 * @throws UsageError `run X is still running (coordinator pid@host holds the lock); nothing changed` (exit 2).
 */
export async function acquireRunLock(redis: Redis, keys: FarmKeys, runId: string, signal?: AbortSignal): Promise<string> {
  const key = `${keys.run(runId)}:lock`;
  const me = lockHolder();
  const giveUp = Date.now() + LOCK_TTL_MS * 2;
  for (;;) {
    if ((await redis.set(key, me, 'PX', LOCK_TTL_MS, 'NX')) === 'OK') return me;
    if (signal?.aborted) throw new SynthfarmError('INTERNAL', '[farm] coordinator stopped', 1);
    const holder = await redis.get(key);
    if (holder === null) continue;
    if (deadHere(holder)) {
      await redis.eval(DELETE_IF_HOLDER, 1, key, holder);
      continue;
    }
    const here = holder.endsWith(`@${hostname()}`);
    if (here || Date.now() > giveUp) throw new UsageError(`run ${runId} is still running (coordinator ${holder} holds the lock); nothing changed`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Keeps the lock alive while we hold it; returns the timer to clear. */
export function renewRunLock(redis: Redis, keys: FarmKeys, runId: string, holder: string): NodeJS.Timeout {
  return setInterval(() => void redis.set(`${keys.run(runId)}:lock`, holder, 'PX', LOCK_TTL_MS).catch(() => undefined), LOCK_TTL_MS / 3);
}

/** Releases the lock if it is still ours. */
export async function releaseRunLock(redis: Redis, keys: FarmKeys, runId: string, holder: string): Promise<void> {
  await redis.eval(DELETE_IF_HOLDER, 1, `${keys.run(runId)}:lock`, holder).catch(() => undefined);
}
