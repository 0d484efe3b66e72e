import { setTimeout as sleep } from 'node:timers/promises';
import { ExponentialBackoff, fullJitterGenerator, type IBackoff } from 'cockatiel';
import { RetryableBackendError, isRetryable } from '@synthfarm/core';

/** Options of {@link withRetries}. */
export interface RetryOptions {
  /** Attempts after the first one (spec `maxRetries`). 0 means try once. */
  maxRetries: number;
  /**
   * Backoff base in milliseconds: retry n waits a uniformly random time in [0, baseMs·2^(n-1))
   * ("full jitter"), so many workers retrying at once spread out. Default 250.
   */
  baseMs?: number;
  /** Cap of one backoff delay, in milliseconds. Default 30 000. */
  maxMs?: number;
  /**
   * Longest server-requested delay (`Retry-After`) honoured, in milliseconds. A server asking for
   * longer fails the call at once rather than being retried sooner than it asked. Default 120 000.
   */
  maxRetryAfterMs?: number;
  /** Aborts the attempts and the delays between them. */
  signal?: AbortSignal;
  /** Called before each delay; `attempt` is the number of the attempt about to be made (2 = first retry). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Defaults of {@link RetryOptions}, in one place. */
export const RETRY_DEFAULTS = { baseMs: 250, maxMs: 30_000, maxRetryAfterMs: 120_000 } as const;

/**
 * Runs `fn` until it succeeds, retrying errors that are {@link isRetryable} (decided by error code,
 * never by message) with exponential backoff and full jitter. A `RetryableBackendError` carrying
 * `retryAfterMs` (HTTP `Retry-After`, Ollama/OpenAI 429 and 503) waits at least that long.
 * `fn` receives the attempt number (1-based) so callers can steer a retry to another host.
 * Other errors, and the last retryable one, are rethrown unchanged.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const baseMs = opts.baseMs ?? RETRY_DEFAULTS.baseMs;
  const maxMs = opts.maxMs ?? RETRY_DEFAULTS.maxMs;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs;
  const factory = new ExponentialBackoff({ initialDelay: baseMs, maxDelay: maxMs, generator: fullJitterGenerator });
  let backoff: IBackoff<unknown> | undefined;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || attempt > opts.maxRetries || opts.signal?.aborted) throw err;
      const asked = err instanceof RetryableBackendError ? err.retryAfterMs : undefined;
      if (asked !== undefined && asked > maxRetryAfterMs) throw err;
      backoff = backoff ? backoff.next(undefined) : factory.next();
      const delayMs = Math.max(backoff.duration, asked ?? 0);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, error: err });
      if (delayMs > 0) await sleep(delayMs, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }
}
