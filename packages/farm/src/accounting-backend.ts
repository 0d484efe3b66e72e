import type { LlmBackend, LlmRequest } from '@synthfarm/llm';
import type { BackendSpec } from '@synthfarm/spec';
import type { BackendDelta } from './batch-output.js';

/**
 * A per-job view of a shared backend that counts only this job's calls. Backends are shared
 * by every job on a worker (so host slots are respected), which is why per-run accounting
 * cannot read their totals.
 */
export function withJobAccounting(backend: LlmBackend, spec: BackendSpec, delta: BackendDelta, onBusy: (ms: number, tokensOut: number) => void): LlmBackend {
  return {
    name: backend.name,
    provider: backend.provider,
    model: backend.model,
    ...(backend.requestDefaults ? { requestDefaults: backend.requestDefaults } : {}),
    check: () => backend.check(),
    stats: () => backend.stats(),
    close: async () => undefined,
    async generate(req: LlmRequest, opts) {
      try {
        const res = await backend.generate(req, opts);
        if (res.cached) delta.cacheHits++;
        else {
          delta.calls++;
          delta.tokensIn += res.tokensIn;
          delta.tokensOut += res.tokensOut;
          delta.cost += (res.tokensIn / 1000) * spec.costPer1kInput + (res.tokensOut / 1000) * spec.costPer1kOutput;
          onBusy(res.latencyMs, res.tokensOut);
        }
        return res;
      } catch (err) {
        delta.calls++;
        delta.failures++;
        throw err;
      }
    },
  };
}

export function emptyDelta(): BackendDelta {
  return { calls: 0, failures: 0, retries: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, cost: 0 };
}
