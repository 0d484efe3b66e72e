/**
 * @synthfarm/sim — a simulated Ollama host for tests and benchmarks, faithful to Ollama's HTTP API
 * and its OpenAI-compatible layer, so the real `ollama` and `openai` clients work against it unchanged.
 */
export { createSimServer, modelNotFoundMessage, RUNNER_ERROR_MESSAGE, SERVER_BUSY_MESSAGE, type SimServer } from './sim-server.js';
export { SimFaultsSchema, SimOptionsSchema, type SimFaults, type SimFaultsInput, type SimOptions, type SimOptionsInput } from './sim-options.js';
export type { FaultKind, SimStats } from './sim-stats.js';
export { sampleJsonSchema, type JsonValue, type SchemaSampleOptions } from './schema-sample.js';
export { createRng, type Rng } from './rng.js';
export { countTokens, truncateToTokens, CHARS_PER_TOKEN } from './tokens.js';
export { planCompletion, type CompletionPlan, type GenerationRequest, type PlanSettings, type SimFormat, type SimMessage } from './completion-plan.js';
