/**
 * The HTTP client libraries, loaded on first use. A code-only run never talks to a model, and
 * loading `openai` (~150 modules), `undici` and `ollama` up front cost every run ~250 ms of CPU
 * before its first record (measured with a module-load hook and --cpu-prof).
 */
let openai: Promise<typeof import('openai')> | undefined;
let ollama: Promise<typeof import('ollama')> | undefined;
let undici: Promise<typeof import('undici')> | undefined;

export const loadOpenAi = (): Promise<typeof import('openai')> => (openai ??= import('openai'));
export const loadOllama = (): Promise<typeof import('ollama')> => (ollama ??= import('ollama'));
export const loadUndici = (): Promise<typeof import('undici')> => (undici ??= import('undici'));
