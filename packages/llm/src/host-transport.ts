import type { LlmRequest, PromptCut } from './llm-backend.js';

/** A request with the backend's defaults (spec `maxTokens`, `temperature`) filled in. */
export type ResolvedRequest = LlmRequest;

/** What one attempt on one host produced. */
export interface AttemptResult {
  text: string;
  truncated: boolean;
  tokensIn: number;
  tokensOut: number;
  /** The server cut the prompt to its context window (Ollama does so without an error). */
  promptCut?: PromptCut;
  /**
   * Time the server spent on the request itself, in ms: prompt evaluation and generation, not
   * its queue (Ollama's `prompt_eval_duration + eval_duration`). Absent when the server says none.
   */
  modelMs?: number;
}

/**
 * The provider-specific part of a backend: how to talk to one host. Retries, host choice, circuit
 * breaking, rate limits, timeouts and accounting are shared (see `createPooledBackend`).
 */
export interface HostTransport {
  /**
   * One attempt on `host` (a host label). Throws `RetryableBackendError` for transient failures,
   * `BackendUnavailable` when the host cannot serve the model, and lets an abort of `signal`
   * surface as any error (the caller tells a timeout from a cancel by its own signals).
   */
  call(host: string, req: ResolvedRequest, signal: AbortSignal): Promise<AttemptResult>;
  /** Whether `host` is reachable and serves the model; throws `BackendUnavailable` naming the URL tried. */
  check(host: string, signal: AbortSignal): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
}
