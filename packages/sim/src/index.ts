/**
 * @synthfarm/sim — a simulated Ollama host for tests and benchmarks, faithful to Ollama's HTTP API
 * and its OpenAI-compatible layer, so the real `ollama` and `openai` clients work against it unchanged.
 */
export { createSimServer } from './sim-server.js';
export type { SimServer } from './sim-server.js';
export type { SimFaultsInput, SimOptionsInput } from './sim-options.js';
