import type { LlmBackend } from './llm-backend.js';

/**
 * A decorator's base: every member of `backend` forwarded, then the decorator's own members
 * (`overrides`) on top. Decorators (the response cache, per-batch accounting) write only what
 * they change, and a member added to {@link LlmBackend} is forwarded by all of them at once.
 */
export function wrapBackend(backend: LlmBackend, overrides: Partial<Pick<LlmBackend, 'check' | 'generate' | 'stats' | 'close'>>): LlmBackend {
  return {
    name: backend.name,
    provider: backend.provider,
    model: backend.model,
    ...(backend.requestDefaults ? { requestDefaults: backend.requestDefaults } : {}),
    check: () => backend.check(),
    generate: (req, opts) => backend.generate(req, opts),
    stats: () => backend.stats(),
    close: () => backend.close(),
    ...(backend.onHostState ? { onHostState: (listener) => backend.onHostState!(listener) } : {}),
    ...overrides,
  };
}
