import { SpecError } from '@synthfarm/core';
import type { BackendSpec } from '@synthfarm/spec';
import type { BackendDeps } from './backend-deps.js';
import type { LlmBackend } from './llm-backend.js';
import { createOllamaBackend } from './ollama-backend.js';
import { createOpenAiBackend, type OpenAiBackendDeps } from './openai-backend.js';
import { withResponseCache } from './response-cache.js';

/** Options of {@link createBackend}: the shared deps, plus an optional response cache. */
export interface CreateBackendOptions extends BackendDeps, Pick<OpenAiBackendDeps, 'strictSchema'> {
  /** Directory of the on-disk response cache (see `withResponseCache`). Default: no cache. */
  cacheDir?: string;
}

/** Builds the backend a spec entry names, by `provider`; wrapped in the response cache when `cacheDir` is set. */
export function createBackend(name: string, spec: BackendSpec, opts: CreateBackendOptions = {}): LlmBackend {
  const { cacheDir, ...deps } = opts;
  let backend: LlmBackend;
  switch (spec.provider) {
    case 'ollama':
      backend = createOllamaBackend(name, spec, deps);
      break;
    case 'openai':
      backend = createOpenAiBackend(name, spec, deps);
      break;
    default: {
      const never: never = spec.provider;
      throw new SpecError(`backends.${name}.provider`, `must be ollama or openai, not ${String(never)}`);
    }
  }
  return cacheDir ? withResponseCache(backend, cacheDir) : backend;
}
