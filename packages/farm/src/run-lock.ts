import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SynthfarmError } from '@synthfarm/core';
import type { FarmKeys } from './keys.js';

/** How long a coordinator's lock outlives its last renewal, in ms. */
export const RUN_LOCK_TTL_MS = 10_000;

// Compare-and-set, the Redis documentation's lock pattern (SET NX PX + a random value; renew and
// release only when the value is still ours), as Redlock and BullMQ's own job locks do it.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The key of a run's coordinator lock. Its value is `<pid>:<random token>` of the holder. */
export function runLockKey(keys: FarmKeys, runId: string): string {
  return `${keys.run(runId)}:lock`;
}

/** The pid of the process holding a run's coordinator lock, or undefined when nobody holds it. */
export async function runLockHolder(redis: Redis, keys: FarmKeys, runId: string): Promise<number | undefined> {
  const v = await redis.get(runLockKey(keys, runId));
  if (!v) return undefined;
  const pid = Number(v.split(':')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * One coordinator's hold on a run: only one process coordinates a run at a time. Renewed and
 * released by its owner only: a coordinator that was paused past the TTL (and whose run another
 * coordinator has taken since) can neither extend nor delete the new holder's lock.
 */
export class RunLock {
  /** This holder's value: pid (for messages and tests) and a random token (the identity). */
  readonly token = `${process.pid}:${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  constructor(private readonly redis: Redis, private readonly key: string, private readonly ttlMs = RUN_LOCK_TTL_MS) {}

  /** Takes the lock if it is free (SET NX PX); true when taken. */
  async tryAcquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /**
   * Waits for the lock (a dead holder's lapses within the TTL), up to `waitMs`; then a usage
   * error (exit 2) naming the live holder.
   */
  async acquire(runId: string, opts: { waitMs?: number; signal?: AbortSignal | undefined } = {}): Promise<void> {
    const giveUp = Date.now() + (opts.waitMs ?? this.ttlMs * 2);
    for (;;) {
      if (await this.tryAcquire()) return;
      if (opts.signal?.aborted) throw new SynthfarmError('INTERNAL', '[farm] coordinator stopped', 1);
      if (Date.now() > giveUp) {
        const holder = (await this.redis.get(this.key))?.split(':')[0];
        throw new SynthfarmError('USAGE', `[farm] run ${runId} is being coordinated by another live process (pid ${holder}); synthfarm status ${runId} shows its progress`, 2);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Extends the lock if this holder still owns it; false (and {@link lost}) when it does not. */
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
