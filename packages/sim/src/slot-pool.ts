import { performance } from 'node:perf_hooks';

/** A held slot. `release()` is idempotent: the first call frees the slot, later calls do nothing. */
export interface SlotLease {
  /** When the slot was taken, in `performance.now()` milliseconds. */
  readonly acquiredAt: number;
  release(): void;
}

/** Outcome of {@link SlotPool.acquire}: a lease, or why there is none. */
export type AcquireResult =
  | { ok: true; lease: SlotLease }
  /** `busy`: the wait queue already holds `maxQueue` requests. `aborted`: the caller gave up while waiting. */
  | { ok: false; reason: 'busy' | 'aborted' };

interface Waiter {
  resolve(result: AcquireResult): void;
  detach(): void;
}

/**
 * The host's parallel slots (OLLAMA_NUM_PARALLEL) with a FIFO wait queue bounded like
 * OLLAMA_MAX_QUEUE. It also measures busy slot-time exactly, from the moment a slot is taken to
 * the moment it is released, because the farm's utilization benchmark divides by it.
 */
export class SlotPool {
  private active = new Map<number, number>();
  private nextId = 0;
  private waiters: Waiter[] = [];
  private completedBusyMs = 0;
  private epoch: number;
  private peakActive = 0;
  private peakQueued = 0;
  private rejectedBusy = 0;

  /**
   * @param slots slots served at once (>= 1).
   * @param maxQueue requests allowed to wait; one more is refused as `busy`.
   * @param now clock in milliseconds; injectable for tests. Default `performance.now`.
   */
  constructor(
    readonly slots: number,
    readonly maxQueue: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.epoch = now();
  }

  /** Slots in use now. */
  get inUse(): number {
    return this.active.size;
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.waiters.length;
  }

  /**
   * Takes a slot, waiting in FIFO order when all are in use. Never rejects: a full queue answers
   * `busy` at once, and an aborted `signal` answers `aborted` and leaves the queue.
   */
  acquire(signal?: AbortSignal): Promise<AcquireResult> {
    if (signal?.aborted) return Promise.resolve({ ok: false, reason: 'aborted' });
    if (this.active.size < this.slots && this.waiters.length === 0) {
      return Promise.resolve({ ok: true, lease: this.lease() });
    }
    if (this.waiters.length >= this.maxQueue) {
      this.rejectedBusy++;
      return Promise.resolve({ ok: false, reason: 'busy' });
    }
    return new Promise<AcquireResult>((resolve) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve({ ok: false, reason: 'aborted' });
      };
      const waiter: Waiter = {
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.peakQueued = Math.max(this.peakQueued, this.waiters.length);
    });
  }

  /** Busy slot-milliseconds since the last {@link resetCounters}, including slots held right now. */
  busyMs(): number {
    const t = this.now();
    let busy = this.completedBusyMs;
    for (const acquiredAt of this.active.values()) busy += t - Math.max(acquiredAt, this.epoch);
    return busy;
  }

  /** Peak slots in use, peak queue length and requests refused as busy, since the last reset. */
  counters(): { maxConcurrent: number; maxQueued: number; rejectedBusy: number } {
    return { maxConcurrent: this.peakActive, maxQueued: this.peakQueued, rejectedBusy: this.rejectedBusy };
  }

  /** Starts a new measurement window; slots held now count only from this moment on. */
  resetCounters(): void {
    this.epoch = this.now();
    this.completedBusyMs = 0;
    this.peakActive = this.active.size;
    this.peakQueued = this.waiters.length;
    this.rejectedBusy = 0;
  }

  /** Refuses every waiting request (`aborted`); used when the server closes. */
  drain(): void {
    for (const w of this.waiters.splice(0)) {
      w.detach();
      w.resolve({ ok: false, reason: 'aborted' });
    }
  }

  private lease(): SlotLease {
    const id = this.nextId++;
    const acquiredAt = this.now();
    this.active.set(id, acquiredAt);
    this.peakActive = Math.max(this.peakActive, this.active.size);
    let released = false;
    return {
      acquiredAt,
      release: () => {
        if (released) return;
        released = true;
        this.active.delete(id);
        this.completedBusyMs += this.now() - Math.max(acquiredAt, this.epoch);
        this.dispatch();
      },
    };
  }

  private dispatch(): void {
    while (this.active.size < this.slots) {
      const next = this.waiters.shift();
      if (!next) return;
      next.detach();
      next.resolve({ ok: true, lease: this.lease() });
    }
  }
}
