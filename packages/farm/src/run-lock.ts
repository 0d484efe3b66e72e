import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { SynthfarmError, UsageError } from '@synthfarm/core';
import type { FarmKeys } from './keys.js';
import type { RunStore } from './run-store.js';
import type { RunState } from './run-summary.js';

/** How long a coordinator's lock outlives its last renewal, in ms; renewed every third of it. */
export const RUN_LOCK_TTL_MS = 10_000;

/** States a run never leaves: a coordinator started on one would only overwrite its record. */
export const FINISHED_STATES: ReadonlySet<RunState> = new Set(['completed', 'failed', 'budget_exceeded', 'cancelled']);

// Compare-and-set, the Redis documentation's lock pattern (SET NX PX + a random value; renew and
// release only when the value is still ours), as Redlock and BullMQ's own job locks do it.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The key of a run's coordinator lock. Its value is `<pid>@<host>:<random token>` of the holder. */
export function runLockKey(keys: FarmKeys, runId: string): string {
  return `${keys.run(runId)}:lock`;
}

/** `pid@host` of a lock value, for messages and for telling whether a holder here is alive. */
function holderName(value: string): string {
  return value.split(':')[0]!;
}

/** The pid of the process holding a run's coordinator lock, or undefined when nobody holds it. */
export async function runLockHolder(redis: Redis, keys: FarmKeys, runId: string): Promise<number | undefined> {
  const v = await redis.get(runLockKey(keys, runId));
  const pid = v ? Number.parseInt(v, 10) : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when a lock value names a process on this machine that no longer exists. */
function deadHere(value: string): boolean {
  const [pidText, host] = holderName(value).split('@');
  const pid = Number(pidText);
  if (host !== hostname() || !(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

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
 * One coordinator's hold on a run: only one process coordinates a run at a time. Renewed and
 * released by its owner only: a coordinator that was paused past the TTL (and whose run another
 * coordinator has taken since) can neither extend nor delete the new holder's lock.
 */
export class RunLock {
  /** This holder's value: `pid@host` (to tell whether it is alive, and for messages) and a random token (the identity). */
  readonly token = `${process.pid}@${hostname()}:${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  constructor(private readonly redis: Redis, private readonly key: string, private readonly ttlMs = RUN_LOCK_TTL_MS) {}

  /** Takes the lock if it is free (SET NX PX); true when taken. */
  async tryAcquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /**
   * Takes the lock, or refuses while a live coordinator holds it. A holder on this machine is
   * checked directly (a dead pid's lock is taken over at once, so `resume` right after a crash
   * need not wait); one elsewhere is alive while it keeps renewing, so we wait up to `waitMs`
   * (default two TTLs) for its lock to lapse. A refusal changes nothing.
   * @throws UsageError `run X is still running (coordinator pid@host holds the lock); nothing changed` (exit 2).
   */
  async acquire(runId: string, opts: { waitMs?: number; signal?: AbortSignal | undefined } = {}): Promise<void> {
    const giveUp = Date.now() + (opts.waitMs ?? this.ttlMs * 2);
    for (;;) {
      if (await this.tryAcquire()) return;
      if (opts.signal?.aborted) throw new SynthfarmError('INTERNAL', '[farm] coordinator stopped', 1);
      const holder = await this.redis.get(this.key);
      if (holder === null) continue;
      if (deadHere(holder)) {
        await this.redis.eval(RELEASE, 1, this.key, holder);
        continue;
      }
      const here = holderName(holder).endsWith(`@${hostname()}`);
      if (here || Date.now() > giveUp) throw new UsageError(`run ${runId} is still running (coordinator ${holderName(holder)} holds the lock); nothing changed`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Extends the lock if this holder still owns it; false (and {@link isLost}) when it does not. */
  async renew(): Promise<boolean> {
    const ok = Number(await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs))) === 1;
    if (!ok) this.lost = true;
    return ok;
  }

  /** Renews every third of the TTL until {@link release}. */
  keepAlive(): void {
    this.timer ??= setInterval(() => void this.renew().catch(() => undefined), this.ttlMs / 3);
    this.timer.unref();
  }

  /** True once a renewal found the lock taken by someone else. */
  get isLost(): boolean {
    return this.lost;
  }

  /** Stops renewing and deletes the lock if this holder still owns it; true when it did. */
  async release(): Promise<boolean> {
    clearInterval(this.timer);
    this.timer = undefined;
    return Number(await this.redis.eval(RELEASE, 1, this.key, this.token)) === 1;
  }
}
