export type { LlmRequest, LlmResponse, LlmBackend, HostAttempt } from './llm-backend.js';
export type { BackendStats, CircuitStateName } from './backend-stats.js';
export type { BackendDeps } from './backend-deps.js';
export { createBackend } from './create-backend.js';
export { listHostModels } from './list-host-models.js';
export { withResponseCache } from './response-cache.js';
export { checkHostUrl, hostLabel } from './host-url.js';
export { callCost } from './pricing.js';
export type { Prices } from './pricing.js';
