import type { Logger } from '@synthfarm/core';
import type { RateLimiter } from './rate-limiter.js';

/**
 * What a backend factory takes besides its spec: collaborators and tuning. Every field is
 * optional; defaults live in {@link BACKEND_DEFAULTS}.
 */
export interface BackendDeps {
  /**
   * Limits shared by every host of the backend. Default: an in-memory limiter built from the spec's
   * `rpm` / `tpm` (none when neither is set). Farm mode passes one shared through Redis.
   */
  rateLimiter?: RateLimiter;
  /** Backoff base in milliseconds (full jitter: retry n waits up to base·2^(n-1)). Default 250. */
  retryBaseMs?: number;
  /** Cap of one backoff delay, in milliseconds. Default 30 000. */
  retryMaxMs?: number;
  /** Longest `Retry-After` honoured, in milliseconds; longer fails the call at once. Default 120 000. */
  maxRetryAfterMs?: number;
  /** Consecutive host faults (refused, reset, timeout, 5xx other than 503) that open a host's circuit. Default 5. */
  breakerThreshold?: number;
  /** How long an open circuit stays open before a probe, in milliseconds. Default 10 000. */
  breakerCooldownMs?: number;
  /** Time `check()` gives each host, in milliseconds (capped at the spec's `timeoutMs`). Default 10 000. */
  checkTimeoutMs?: number;
  /** For circuit changes and hosts marked down. Default: `createLogger({ name: 'llm' })` (level warn). */
  logger?: Logger;
}

/** Defaults of {@link BackendDeps}, in one place. */
export const BACKEND_DEFAULTS = {
  retryBaseMs: 250,
  retryMaxMs: 30_000,
  maxRetryAfterMs: 120_000,
  breakerThreshold: 5,
  breakerCooldownMs: 10_000,
  checkTimeoutMs: 10_000,
} as const;
