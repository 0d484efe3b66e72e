import { BackendUnavailable, SpecError } from '@synthfarm/core';
import { createBackend, withResponseCache, type BackendDeps, type LlmBackend } from '@synthfarm/llm';
import type { BackendSpec, LoadedSpec, Spec } from '@synthfarm/spec';
import { usedBackendNames } from '@synthfarm/routing';
import { isModelDataset } from './enrich-fields.js';

export { usedBackendNames };

export interface StageBackendOptions {
  /** Response cache directory; none when undefined. */
  cacheDir?: string | undefined;
  deps?: BackendDeps;
  /** Replaces a backend's hosts (farm mode: the worker's own GPU host). */
  hostsFor?: (name: string, spec: BackendSpec) => string[] | undefined;
}

/**
 * Builds the backends a spec uses, wrapped with the response cache. A spec with model fields
 * and no backend, or a backend whose `${API_KEY}` is unset, is a spec error (exit 2).
 */
export function createStageBackends(loaded: LoadedSpec, opts: StageBackendOptions = {}): Map<string, LlmBackend> {
  const { spec } = loaded;
  const out = new Map<string, LlmBackend>();
  const names = usedBackendNames(spec);
  if (spec.datasets.some(isModelDataset) && !names.length) {
    throw new SpecError('backends', 'this spec has llm fields but defines no backend (add backends: { fast: { provider: ollama, model: gemma3:4b } }, or run with --offline)');
  }
  for (const name of names) {
    const bspec = spec.backends[name]!;
    const missing = loaded.missingEnv.find((m) => m.path.startsWith(`backends.${name}.`));
    if (missing) throw new SpecError(missing.path, `environment variable ${missing.name} is not set`);
    const hosts = opts.hostsFor?.(name, bspec);
    const effective = hosts ? { ...bspec, hosts } : bspec;
    const backend = createBackend(name, effective, opts.deps ?? {});
    out.set(name, opts.cacheDir ? withResponseCache(backend, opts.cacheDir) : backend);
  }
  return out;
}

/**
 * Start-up check: every used backend serves its model. Throws the first BackendUnavailable
 * (exit 3) naming the URL tried and how to start a host.
 */
export async function checkStageBackends(backends: Map<string, LlmBackend>): Promise<void> {
  const results = await Promise.allSettled([...backends.values()].map((b) => b.check()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason instanceof BackendUnavailable ? failed.reason : new BackendUnavailable(String((failed.reason as Error)?.message ?? failed.reason));
}
