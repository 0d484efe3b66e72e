import type { Agent } from 'undici';
import { loadUndici } from './sdk-modules.js';

/**
 * The connection pool every request of a backend goes through. Node's built-in fetch gives up
 * when response headers take more than 300 s (undici's default `headersTimeout`), which a long
 * Ollama queue or a slow non-streamed completion easily exceeds; here both the headers and the
 * body may take up to the backend's own `timeoutMs`, which the caller enforces with an AbortSignal.
 * @param timeoutMs spec `timeoutMs`, in milliseconds.
 */
export function createHttpAgent(timeoutMs: number): HttpAgent {
  let agent: Promise<Agent> | undefined;
  return {
    get: () => (agent ??= loadUndici().then(({ Agent }) => new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs }))),
    close: async () => {
      if (agent) await (await agent).close();
    },
  };
}

/** An undici connection pool made on the first request (undici itself is loaded then). */
export interface HttpAgent {
  get(): Promise<Agent>;
  close(): Promise<void>;
}

/** Options of {@link agentFetch}. */
export interface AgentFetchOptions {
  /** Aborts every request made through this fetch, in addition to the caller's own signal. */
  signal?: AbortSignal;
  /** Sees every response before the SDK does (e.g. to keep a `Retry-After` header the SDK drops). */
  onResponse?: (res: { status: number; headers: Headers }) => void;
}

/**
 * A `fetch` for SDK clients (`ollama`, `openai`) that sends through `agent` and honours an extra
 * abort signal: the ollama client does not pass a caller's signal on, so the signal is bound here.
 */
export function agentFetch(agent: HttpAgent, opts: AgentFetchOptions = {}): typeof fetch {
  const f = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const signals = [init?.signal, opts.signal].filter((s): s is AbortSignal => !!s);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const [{ fetch: undiciFetch }, dispatcher] = await Promise.all([loadUndici(), agent.get()]);
    const res = await undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
      ...(signal ? { signal } : {}),
    });
    opts.onResponse?.(res as unknown as Response);
    return res as unknown as Response;
  };
  return f as typeof fetch;
}
