import { BackendUnavailable, RetryableBackendError, SynthfarmError, createLogger } from '@synthfarm/core';
import { isConnectionFailure, transportError } from './backend-errors.js';
import type { BackendSpec } from '@synthfarm/spec';
import { BACKEND_DEFAULTS, type BackendDeps } from './backend-deps.js';
import { createStatsRecorder } from './backend-stats.js';
import { estimateTokens } from './estimate-tokens.js';
import { createHostPool } from './host-pool.js';
import type { HostTransport, ResolvedRequest } from './host-transport.js';
import type { GenerateOptions, HostStateName, LlmBackend, LlmRequest, LlmResponse } from './llm-backend.js';
import { createMemoryRateLimiter } from './rate-limiter.js';
import { withRetries } from './retry.js';

/** What {@link createPooledBackend} assembles. */
export interface PooledBackendConfig {
  name: string;
  provider: 'ollama' | 'openai';
  spec: BackendSpec;
  /** Host labels (credentials removed, deduplicated), in spec order. */
  hosts: readonly string[];
  transport: HostTransport;
  deps?: BackendDeps;
}

/**
 * Whether an error says the host is down or broken (refused, reset, timeout, 5xx other than 503
 * "server busy", model missing) and so counts against its circuit. 429 and 503 say the host is
 * loaded, not broken: they are retried with backoff but leave the circuit closed.
 */
export function isHostFault(err: unknown): boolean {
  if (err instanceof BackendUnavailable) return true;
  if (!(err instanceof RetryableBackendError)) return false;
  return err.status === undefined || (err.status >= 500 && err.status !== 503);
}

/**
 * The provider-independent backend: host choice by free slots, per-host circuit breakers,
 * retries with backoff that move to another host, rpm/tpm limits, per-attempt timeouts
 * (spec `timeoutMs`) and accounting. Providers supply only a {@link HostTransport}.
 */
export function createPooledBackend(cfg: PooledBackendConfig): LlmBackend {
  const { name, provider, spec, transport } = cfg;
  const deps = cfg.deps ?? {};
  const log = deps.logger ?? createLogger({ name: 'llm' });
  const prefix = `[backend:${name}]`;
  const hostPrefix = (host: string): string => `[backend:${name} ${host}]`;
  const hostListeners = new Set<(host: string, state: HostStateName) => void>();
  const stats = createStatsRecorder(cfg.hosts, { costPer1kInput: spec.costPer1kInput, costPer1kOutput: spec.costPer1kOutput });
  const pool = createHostPool({
    hosts: cfg.hosts,
    slots: spec.slots,
    breakerThreshold: deps.breakerThreshold ?? BACKEND_DEFAULTS.breakerThreshold,
    breakerCooldownMs: deps.breakerCooldownMs ?? BACKEND_DEFAULTS.breakerCooldownMs,
    isHostFault,
    prefix,
    onCircuitChange: (host, state) => {
      // warn, not info: README promises SYNTHFARM_LOG_LEVEL=warn shows every circuit change.
      if (state === 'open') log.warn({ backend: name, host, state }, 'circuit open: host gets no work until its cooldown ends');
      else log.warn({ backend: name, host, state }, `circuit ${state}`);
    },
    onHostState: (host, state) => {
      for (const l of hostListeners) l(host, state);
    },
  });
  const limiter =
    deps.rateLimiter ??
    (spec.rpm !== undefined || spec.tpm !== undefined
      ? createMemoryRateLimiter({ ...(spec.rpm !== undefined ? { rpm: spec.rpm } : {}), ...(spec.tpm !== undefined ? { tpm: spec.tpm } : {}) })
      : undefined);
  const requestDefaults = {
    ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
    ...(spec.maxTokens !== undefined ? { maxTokens: spec.maxTokens } : {}),
  };

  async function attempt(host: string, req: ResolvedRequest, userSignal: AbortSignal | undefined, onAttempt?: GenerateOptions['onAttempt']): Promise<Omit<LlmResponse, 'latencyMs' | 'cached'>> {
    const started = performance.now();
    // A host's busy time: the server's own model time when it says (a request may wait in the
    // server's queue: a farm worker keeps one there), else the attempt's wall.
    const ended = (ok: boolean, tokensOut: number, modelMs?: number) => {
      const a = { host, ok, tokensOut, busyMs: modelMs ?? performance.now() - started };
      stats.attempt(host, a);
      onAttempt?.(a);
    };
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), spec.timeoutMs);
    const signal = userSignal ? AbortSignal.any([userSignal, timeout.signal]) : timeout.signal;
    try {
      const r = await transport.call(host, req, signal);
      ended(true, r.tokensOut, r.modelMs);
      return { ...r, host };
    } catch (err) {
      if (userSignal?.aborted) {
        ended(true, 0);
        throw userSignal.reason;
      }
      ended(false, 0);
      if (timeout.signal.aborted) {
        throw new RetryableBackendError(`${hostPrefix(host)} no answer within ${spec.timeoutMs} ms (timeoutMs)`, { cause: err });
      }
      // A connection dropped while the answer was read escapes some SDKs unwrapped (openai's
      // response.json() rethrows undici's `TypeError: terminated`): retryable for every provider.
      if (!(err instanceof SynthfarmError) && isConnectionFailure(err)) throw transportError(hostPrefix(host), err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    name,
    provider,
    model: spec.model,
    requestDefaults,

    async check() {
      const checkMs = Math.min(deps.checkTimeoutMs ?? BACKEND_DEFAULTS.checkTimeoutMs, spec.timeoutMs);
      const results = await Promise.allSettled(cfg.hosts.map((h) => transport.check(h, AbortSignal.timeout(checkMs))));
      const failures: string[] = [];
      results.forEach((r, i) => {
        const host = cfg.hosts[i] as string;
        if (r.status === 'fulfilled') {
          pool.markUp(host);
          return;
        }
        pool.markDown(host);
        const msg = r.reason instanceof Error ? r.reason.message : String(r.reason);
        failures.push(msg);
        log.warn({ backend: name, host }, `host marked down: ${msg}`);
      });
      if (failures.length === cfg.hosts.length) {
        throw new BackendUnavailable(failures.length === 1 ? (failures[0] as string) : `${prefix} no usable host: ${failures.join('; ')}`);
      }
    },

    async generate(req: LlmRequest, opts: GenerateOptions = {}) {
      const started = performance.now();
      const resolved: ResolvedRequest = { ...req };
      if (resolved.maxTokens === undefined && spec.maxTokens !== undefined) resolved.maxTokens = spec.maxTokens;
      if (resolved.temperature === undefined && spec.temperature !== undefined) resolved.temperature = spec.temperature;
      const estimate =
        estimateTokens((resolved.system ?? '') + resolved.prompt + (resolved.schema ? JSON.stringify(resolved.schema) : '')) +
        (resolved.maxTokens ?? 0);
      const failedOn = new Set<string>();
      try {
        const r = await withRetries(
          async () => {
            await limiter?.acquire(estimate, opts.signal);
            return pool.use(
              async (host) => {
                try {
                  return await attempt(host, resolved, opts.signal, opts.onAttempt);
                } catch (err) {
                  failedOn.add(host);
                  throw err;
                }
              },
              { avoid: failedOn, ...(opts.signal ? { signal: opts.signal } : {}) },
            );
          },
          {
            maxRetries: spec.maxRetries,
            baseMs: deps.retryBaseMs ?? BACKEND_DEFAULTS.retryBaseMs,
            maxMs: deps.retryMaxMs ?? BACKEND_DEFAULTS.retryMaxMs,
            maxRetryAfterMs: deps.maxRetryAfterMs ?? BACKEND_DEFAULTS.maxRetryAfterMs,
            ...(opts.signal ? { signal: opts.signal } : {}),
            onRetry: ({ attempt: n, delayMs, error }) => {
              stats.retried();
              opts.onRetry?.();
              log.warn({ backend: name, attempt: n, delayMs, code: (error as { code?: string }).code }, error instanceof Error ? error.message : 'retry');
            },
          },
        );
        const latencyMs = Math.round(performance.now() - started);
        stats.callSucceeded({ tokensIn: r.tokensIn, tokensOut: r.tokensOut, latencyMs });
        return { ...r, latencyMs, cached: false };
      } catch (err) {
        stats.callFailed();
        throw err;
      }
    },

    stats() {
      return stats.snapshot((h) => pool.circuit(h));
    },

    onHostState(listener) {
      hostListeners.add(listener);
      return () => hostListeners.delete(listener);
    },

    async close() {
      pool.close();
      await transport.close();
    },
  };
}
