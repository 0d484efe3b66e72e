import { setTimeout as sleep } from 'node:timers/promises';
import { oneAtATime } from '@synthfarm/core/one-at-a-time';

/**
 * Per-backend request and token limits (spec `rpm` / `tpm`). Embedded mode uses
 * {@link createMemoryRateLimiter}; farm mode shares the limits through Redis behind the same
 * interface.
 */
export interface RateLimiter {
  /**
   * Resolves when one more request carrying `tokens` tokens (prompt estimate + output cap) may be
   * sent. Waiters are served in arrival order. Rejects with the signal's reason when aborted.
   */
  acquire(tokens: number, signal?: AbortSignal): Promise<void>;
}

/** Options of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Requests per window; unlimited when absent. */
  rpm?: number;
  /** Tokens per window; unlimited when absent. */
  tpm?: number;
  /** Window the limits refer to, in milliseconds. Default 60 000 (one minute); smaller in tests. */
  windowMs?: number;
  /** Clock in milliseconds. Default `performance.now`. */
  now?: () => number;
}

interface Bucket {
  capacity: number;
  level: number;
  /** Refill per millisecond. */
  rate: number;
}

/**
 * In-memory token buckets: each limit starts full (a burst of `rpm` requests is allowed) and
 * refills continuously at limit/window. A request needing more tokens than the whole `tpm` bucket
 * waits for a full bucket instead of forever.
 */
export function createMemoryRateLimiter(opts: MemoryRateLimiterOptions): RateLimiter {
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? (() => performance.now());
  const bucket = (limit: number | undefined): Bucket | undefined =>
    limit === undefined ? undefined : { capacity: limit, level: limit, rate: limit / windowMs };
  const requests = bucket(opts.rpm);
  const tokens = bucket(opts.tpm);
  let last = now();

  const refill = (): void => {
    const t = now();
    const dt = Math.max(0, t - last);
    last = t;
    for (const b of [requests, tokens]) if (b) b.level = Math.min(b.capacity, b.level + dt * b.rate);
  };
  const waitFor = (b: Bucket | undefined, need: number): number =>
    !b ? 0 : b.level >= need ? 0 : (need - b.level) / b.rate;

  const take = async (n: number, signal?: AbortSignal): Promise<void> => {
    const needTokens = tokens ? Math.min(Math.max(0, n), tokens.capacity) : 0;
    for (;;) {
      signal?.throwIfAborted();
      refill();
      const wait = Math.max(waitFor(requests, 1), waitFor(tokens, needTokens));
      if (wait <= 0) {
        if (requests) requests.level -= 1;
        if (tokens) tokens.level -= needTokens;
        return;
      }
      await sleep(Math.ceil(wait), undefined, signal ? { signal } : undefined);
    }
  };

  const inTurn = oneAtATime(take);

  return {
    acquire(n, signal) {
      if (!requests && !tokens) return Promise.resolve();
      // Waiters are served in arrival order; a failed (aborted) waiter does not block the rest.
      const run = inTurn(n, signal);
      if (!signal) return run;
      // Reject an aborted waiter at once, not when its turn comes.
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}
