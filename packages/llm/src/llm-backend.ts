import type { BackendStats } from './backend-stats.js';

/** One model call: a prompt, optionally a JSON schema the answer must follow. */
export interface LlmRequest {
  /** System prompt; omitted from the conversation when absent. */
  system?: string;
  /** User prompt. */
  prompt: string;
  /**
   * JSON schema for structured output (Ollama `format`, OpenAI `response_format: json_schema`).
   * The answer is still plain text: callers parse and validate it (zod) anyway.
   */
  schema?: Record<string, unknown>;
  /** Output token cap for this call; default the backend spec's `maxTokens`, else the server's default. */
  maxTokens?: number;
  /** Sampling seed, so the same request can give the same answer (DESIGN §3). Default none. */
  seed?: number;
  /** Sampling temperature; default the backend spec's `temperature`, else the server's default. */
  temperature?: number;
}

/** What a model call produced, with its accounting. */
export interface LlmResponse {
  /** The answer text (JSON text when the request had a schema). */
  text: string;
  /** The model stopped at the token cap (`done_reason` / `finish_reason` === 'length'): the text is cut. */
  truncated: boolean;
  /** Prompt tokens as reported by the server (estimated from characters when it reports none). */
  tokensIn: number;
  /** Generated tokens as reported by the server (estimated from characters when it reports none). */
  tokensOut: number;
  /** Wall time of the whole `generate` call in milliseconds, including waits for a slot and retries. */
  latencyMs: number;
  /** The host that answered (its URL without credentials). */
  host: string;
  /** True when the answer came from the on-disk response cache and no server was called. */
  cached: boolean;
  /**
   * The server cut the prompt to its context window (Ollama keeps num_ctx/2 tokens and says
   * nothing): the answer was written without part of its instructions. Callers split the call.
   */
  promptCut?: PromptCut;
  /**
   * Time the server spent on the answering attempt itself, in ms (prompt evaluation and
   * generation, not waits in its queue or ours), when the server says: Ollama does.
   */
  modelMs?: number;
}

/** Per-call options that are not part of the request's identity (and so not of its cache key). */
export interface GenerateOptions {
  /** Aborts the call, including waits for a slot, rate-limit waits and retry delays. */
  signal?: AbortSignal;
  /** Told of each attempt of this call on a host as it ends (a run's event log records them). */
  onAttempt?: (a: HostAttempt) => void;
  /** Told each time this call schedules a retry after a transient failure. */
  onRetry?: () => void;
}

/** One attempt of a call on one host. */
export interface HostAttempt {
  /** The host's label (URL without credentials). */
  host: string;
  ok: boolean;
  tokensOut: number;
  /** Slot time the attempt took, in milliseconds. */
  busyMs: number;
}

/**
 * What became of a host, as a run's event log records it: `up` (checked and usable, or its
 * circuit closed again), `down` (marked down by `check()`), `circuit_open` (its breaker opened
 * after consecutive faults), `half_open` (one probe request is let through), `cooldown` (a farm
 * worker paused its host).
 */
export type HostStateName = 'up' | 'down' | 'circuit_open' | 'half_open' | 'cooldown';

/**
 * A model backend: one provider, one model, one or more hosts. Implementations are built by a
 * factory (`createOllamaBackend`, `createOpenAiBackend`) and all pass the same contract suite.
 */
export interface LlmBackend {
  /** The backend's name in the spec (`fast`, `quality`); prefixes every message: `[backend:fast ...]`. */
  readonly name: string;
  readonly provider: 'ollama' | 'openai';
  readonly model: string;
  /**
   * Defaults the backend applies to requests that leave these unset. Part of a request's identity:
   * the response cache folds them into its key so changing the spec's temperature misses the cache.
   */
  readonly requestDefaults?: Readonly<{ temperature?: number; maxTokens?: number }>;
  /**
   * Start-up check: every host is reachable and serves the model (ollama: GET /api/tags; openai:
   * models.list, tolerating servers without /v1/models). Hosts that fail are marked down until the
   * next check; throws `BackendUnavailable` naming every URL tried and how to start a host only when
   * no host is usable.
   */
  check(): Promise<void>;
  /**
   * Runs one call on the best host, retrying transient failures (5xx, 429, 503 busy, timeouts,
   * dropped connections) on other hosts when possible. Throws `BackendUnavailable` when no host can
   * serve, `RetryableBackendError` when retries ran out.
   */
  generate(req: LlmRequest, opts?: GenerateOptions): Promise<LlmResponse>;
  /** Accounting since the backend was built; safe to put in a manifest (no secrets). */
  stats(): BackendStats;
  /**
   * Subscribes to changes of its hosts' state (circuit breaker, check()); returns the unsubscribe.
   * Optional: a backend without hosts of its own (a test double) has none.
   */
  onHostState?(listener: (host: string, state: HostStateName) => void): () => void;
  /** Releases connections and timers; pending waits for a slot fail with `BackendUnavailable`. */
  close(): Promise<void>;
}

/** What a cut prompt looked like: the window, the tokens the server evaluated, the tokens sent (estimated). */
export interface PromptCut {
  numCtx: number;
  evaluated: number;
  sent: number;
}
