import { AsyncLocalStorage } from 'node:async_hooks';
import { callCost, type LlmBackend, type Prices } from '@synthfarm/llm';
import { emptyDelta, type BackendDelta } from './batch-output.js';

/** The accounting of the batch being processed: per backend, and the model time it took. */
export interface BatchAccount {
  backends: Record<string, BackendDelta>;
  busyMs: number;
}

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
  return {
    name: backend.name,
    provider: backend.provider,
    model: backend.model,
    ...(backend.requestDefaults ? { requestDefaults: backend.requestDefaults } : {}),
    check: () => backend.check(),
    stats: () => backend.stats(),
    close: () => backend.close(),
    async generate(req, opts) {
      try {
        const res = await backend.generate(req, opts);
        const d = delta();
        if (d && res.cached) d.cacheHits++;
        else if (d) {
          d.calls++;
          d.tokensIn += res.tokensIn;
          d.tokensOut += res.tokensOut;
          d.cost += callCost(prices, res.tokensIn, res.tokensOut);
          current.getStore()!.busyMs += res.latencyMs;
        }
        return res;
      } catch (err) {
        const d = delta();
        if (d) {
          d.calls++;
          d.failures++;
        }
        throw err;
      }
    },
  };
}
