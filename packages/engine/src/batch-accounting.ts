import { AsyncLocalStorage } from 'node:async_hooks';
// Files, not the llm barrel: a code-only run loads no client, retry or circuit-breaker code.
import { callCost } from '@synthfarm/llm/pricing';
import { wrapBackend } from '@synthfarm/llm/wrap-backend';
import type { HostAttempt, LlmBackend, Prices } from '@synthfarm/llm';
import { emptyDelta, type BackendDelta } from './batch-output.js';
import type { BackendCallEvent, HostStateEvent } from './run-events.js';

/** The accounting of the batch being processed: per backend, and the model time it took. */
export interface BatchAccount {
  backends: Record<string, BackendDelta>;
  busyMs: number;
  /** Which batch (labels its events). */
  dataset?: string;
  batch?: number;
  /** Its calls, one event each, in the order they were made (a slot is taken when a call starts). */
  calls?: Array<BackendCallEvent | undefined>;
  /** Host state changes seen while its calls ran (or since the previous batch's calls). */
  hostStates?: HostStateEvent[];
}

/** Host state changes a backend keeps for the next batch at most (they come from its few hosts). */
const MAX_PENDING_HOST_STATES = 256;

const current = new AsyncLocalStorage<BatchAccount>();

/** Runs `fn` (one batch's model stages) with its own account: calls made inside count there. */
export function withBatchAccount<T>(account: BatchAccount, fn: () => Promise<T>): Promise<T> {
  return current.run(account, fn);
}

/**
 * A view of a run's shared backend that adds each call to the account of the batch making it.
 * Backends (and model stages) are built once per run and shared by every batch in flight, so a
 * batch's figures cannot be read off their totals.
 */
export function withBatchAccounting(backend: LlmBackend, prices: Prices): LlmBackend {
  const delta = (): BackendDelta | undefined => {
    const a = current.getStore();
    return a ? (a.backends[backend.name] ??= emptyDelta()) : undefined;
  };
  // Host state changes (a circuit opening, a host marked down by check()) are handed to the next
  // batch whose call ends, which carries them to the committer and so to the run's event log.
  const pending: HostStateEvent[] = [];
  const unsubscribe = backend.onHostState?.((host, state) => {
    if (pending.length < MAX_PENDING_HOST_STATES) pending.push({ type: 'host_state', at: Date.now(), host, state, backend: backend.name });
  });
  return wrapBackend(backend, {
    close: () => {
      unsubscribe?.();
      return backend.close();
    },
    async generate(req, opts) {
      const a = current.getStore();
      const slot = a ? (a.calls ??= []).push(undefined) - 1 : -1;
      const attempts: HostAttempt[] = [];
      let retries = 0;
      const started = performance.now();
      const o = a
        ? {
            ...opts,
            onAttempt: (x: HostAttempt) => {
              attempts.push({ ...x, busyMs: Math.round(x.busyMs) });
              opts?.onAttempt?.(x);
            },
            onRetry: () => {
              retries++;
              opts?.onRetry?.();
            },
          }
        : opts;
      const record = (e: Omit<BackendCallEvent, 'type' | 'at' | 'backend' | 'retries' | 'attempts'>) => {
        if (!a) return;
        a.calls![slot] = {
          type: 'backend_call', at: Date.now(), backend: backend.name,
          ...(a.dataset !== undefined ? { dataset: a.dataset } : {}), ...(a.batch !== undefined ? { batch: a.batch } : {}),
          ...e, retries, ...(attempts.length ? { attempts } : {}),
        };
        if (pending.length) (a.hostStates ??= []).push(...pending.splice(0));
      };
      try {
        const res = await backend.generate(req, o);
        const d = delta();
        if (d && res.cached) d.cacheHits++;
        else if (d) {
          d.calls++;
          d.retries += retries;
          d.tokensIn += res.tokensIn;
          d.tokensOut += res.tokensOut;
          d.cost += callCost(prices, res.tokensIn, res.tokensOut);
          // Model time: the server's own when it says (not waits for a slot, here or in its queue).
          a!.busyMs += res.modelMs ?? res.latencyMs;
        }
        record(res.cached
          ? { host: '', tokensIn: 0, tokensOut: 0, cost: 0, latencyMs: Math.round(res.latencyMs), cacheHit: true, ok: true }
          : { host: res.host, tokensIn: res.tokensIn, tokensOut: res.tokensOut, cost: callCost(prices, res.tokensIn, res.tokensOut), latencyMs: Math.round(res.latencyMs), cacheHit: false, ok: true });
        return res;
      } catch (err) {
        const d = delta();
        if (d) {
          d.calls++;
          d.failures++;
          d.retries += retries;
        }
        record({ host: attempts.at(-1)?.host ?? '', tokensIn: 0, tokensOut: 0, cost: 0, latencyMs: Math.round(performance.now() - started), cacheHit: false, ok: false });
        throw err;
      }
    },
  });
}
