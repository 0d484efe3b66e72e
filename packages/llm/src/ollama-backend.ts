import type { ChatResponse, Message, Options } from 'ollama';
import { BackendUnavailable, RetryableBackendError, SynthfarmError } from '@synthfarm/core';
import type { BackendSpec } from '@synthfarm/spec';
import type { BackendDeps } from './backend-deps.js';
import { describeCause, errorForStatus, scrub, transportError } from './backend-errors.js';
import { estimateTokens } from './estimate-tokens.js';
import { agentFetch, createHttpAgent } from './http-agent.js';
import type { AttemptResult, HostTransport, ResolvedRequest } from './host-transport.js';
import { hintPort, hostLabel, sameModel } from './host-url.js';
import type { LlmBackend } from './llm-backend.js';
import { createPooledBackend } from './pooled-backend.js';
import { parseRetryAfter } from './retry-after.js';
import { loadOllama } from './sdk-modules.js';

/** Where Ollama listens when a spec names no host. */
export const OLLAMA_DEFAULT_HOST = 'http://127.0.0.1:11434';

/** The error the `ollama` package throws for a non-2xx answer (not exported by the package). */
interface OllamaResponseError extends Error {
  error: string;
  status_code: number;
}

function isResponseError(err: unknown): err is OllamaResponseError {
  return err instanceof Error && typeof (err as Partial<OllamaResponseError>).status_code === 'number';
}

/**
 * An Ollama backend through the `ollama` package: `/api/chat` with `format` = the JSON schema and
 * `options: { num_predict, seed, temperature }`, balanced over `spec.hosts` (default
 * `http://127.0.0.1:11434`). Answers are asked for whole (`stream: false`): a batch's answer is
 * of use only once complete, and a streamed one costs a JSON chunk, a parse and a few strings
 * every ~50 ms of every busy slot (64 hosts × 8 slots: ~10,000 chunks a second for the workers
 * and the hosts to make and read). The connection pool allows headers and body up to
 * `spec.timeoutMs` (a host's queue may hold an answer that long), enforced per attempt with an
 * AbortSignal.
 */
export function createOllamaBackend(name: string, spec: BackendSpec, deps: BackendDeps = {}): LlmBackend {
  const urls = new Map<string, string>();
  for (const url of spec.hosts ?? [spec.baseUrl ?? OLLAMA_DEFAULT_HOST]) {
    const label = hostLabel(url);
    if (!urls.has(label)) urls.set(label, url.replace(/\/+$/, ''));
  }
  const agent = createHttpAgent(spec.timeoutMs);
  const model = spec.model;
  const hostPrefix = (host: string): string => `[backend:${name} ${host}]`;
  const pullHint = `pull it with \`ollama pull ${model}\``;
  const startHint = (host: string): string => `start one with \`ollama serve\` or \`synthfarm sim --port ${hintPort(host)}\``;

  const transport: HostTransport = {
    async call(host: string, req: ResolvedRequest, signal: AbortSignal): Promise<AttemptResult> {
      let retryAfterMs: number | undefined;
      let responded = false;
      const { Ollama } = await loadOllama();
      const client = new Ollama({
        host: urls.get(host) ?? host,
        fetch: agentFetch(agent, {
          signal,
          onResponse: (r) => {
            responded = true;
            if (r.status >= 400) retryAfterMs = parseRetryAfter(r.headers);
          },
        }),
      });
      const messages: Message[] = [];
      if (req.system) messages.push({ role: 'system', content: req.system });
      messages.push({ role: 'user', content: req.prompt });
      const options: Partial<Options> = {};
      if (req.maxTokens !== undefined) options.num_predict = req.maxTokens;
      const promptTokens = estimateTokens((req.system ?? '') + req.prompt);
      // The window is sized with the schema counted too (some templates put it in the prompt).
      options.num_ctx = spec.numCtx ?? contextFor(promptTokens + (req.schema ? estimateTokens(JSON.stringify(req.schema)) : 0), req.maxTokens);
      if (req.seed !== undefined) options.seed = req.seed;
      if (req.temperature !== undefined) options.temperature = req.temperature;
      try {
        const last: ChatResponse = await client.chat({ model, messages, stream: false, options, ...(req.schema ? { format: req.schema } : {}) });
        if (!last?.done) throw new RetryableBackendError(`${hostPrefix(host)} answer ended unfinished`);
        const text = last.message?.content ?? '';
        const evaluated = last.prompt_eval_count;
        return {
          text,
          truncated: last.done_reason === 'length',
          ...(evaluated !== undefined && wasCut(evaluated, promptTokens, options.num_ctx) ? { promptCut: { numCtx: options.num_ctx, evaluated, sent: promptTokens } } : {}),
          tokensIn: last.prompt_eval_count ?? estimateTokens((req.system ?? '') + req.prompt),
          tokensOut: last.eval_count ?? estimateTokens(text),
          ...(last.eval_duration !== undefined ? { modelMs: ((last.prompt_eval_duration ?? 0) + last.eval_duration) / 1e6 } : {}),
        };
      } catch (err) {
        if (signal.aborted || err instanceof SynthfarmError) throw err;
        if (isResponseError(err)) {
          throw errorForStatus(hostPrefix(host), err.status_code, scrub(err.error ?? err.message, undefined), {
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            model,
            modelHint: pullHint,
            cause: err,
          });
        }
        // Before the answer's headers: refused, reset, DNS. After them: a body cut off mid-way.
        if (!responded) throw transportError(hostPrefix(host), err);
        throw new RetryableBackendError(`${hostPrefix(host)} answer cut off: ${scrub(describeCause(err), undefined)}`, { cause: err });
      }
    },

    async check(host: string, signal: AbortSignal): Promise<void> {
      const tagsUrl = `${host}/api/tags`;
      const { Ollama } = await loadOllama();
      const client = new Ollama({ host: urls.get(host) ?? host, fetch: agentFetch(agent, { signal }) });
      let served: string[];
      try {
        const list = await client.list();
        served = list.models.flatMap((m) => [m.name, m.model]).filter((n): n is string => typeof n === 'string');
      } catch (err) {
        if (isResponseError(err)) {
          throw new BackendUnavailable(
            `${hostPrefix(host)} GET ${tagsUrl} answered ${err.status_code} ${scrub(err.error ?? '', undefined)}: not an Ollama server? ${startHint(host)}`,
            { cause: err },
          );
        }
        const why = signal.aborted ? 'no answer in time' : describeCause(err);
        throw new BackendUnavailable(`${hostPrefix(host)} cannot reach ${tagsUrl} (${why}); ${startHint(host)}`, { cause: err });
      }
      if (!served.some((n) => sameModel(n, model))) {
        const has = [...new Set(served)].slice(0, 10).join(', ') || 'none';
        throw new BackendUnavailable(`${hostPrefix(host)} ${tagsUrl} does not list model "${model}" (has: ${has}); ${pullHint}`);
      }
    },

    async close(): Promise<void> {
      await agent.close();
    },
  };

  return createPooledBackend({ name, provider: 'ollama', spec, hosts: [...urls.keys()], transport, deps });
}

/**
 * `num_ctx` for one call: the prompt plus the output budget with a fifth spare (token estimates
 * are from characters), rounded up to a power of two so calls of similar size share one window
 * (Ollama reloads a model whose window changes), never below Ollama's own 2048.
 */
export function contextFor(promptTokens: number, maxTokens: number | undefined): number {
  const need = Math.ceil((promptTokens + (maxTokens ?? 1024)) * 1.2);
  return Math.max(2048, 2 ** Math.ceil(Math.log2(need)));
}

/**
 * Ollama cuts a prompt longer than the window to about half of it (num_ctx/2 + 2 tokens) and
 * reports only what it kept in `prompt_eval_count`. A prompt estimated near or past the window
 * whose evaluated tokens are at most half the window and well short of what was sent (the estimate
 * is from characters, hence the margins) was cut: the answer was written without its start.
 */
function wasCut(evaluated: number, sent: number, numCtx: number): boolean {
  return sent * 1.3 > numCtx && evaluated <= Math.floor(numCtx / 2) + 2 && evaluated * 1.5 < sent;
}
