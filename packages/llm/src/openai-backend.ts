import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
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
import { loadOpenAi } from './sdk-modules.js';

type Sdk = typeof import('openai');

/** Options of an OpenAI-compatible backend besides the shared {@link BackendDeps}. */
export interface OpenAiBackendDeps extends BackendDeps {
  /**
   * Sends `json_schema.strict: true`. OpenAI then guarantees the schema but accepts only schemas
   * with `additionalProperties: false` and every property required; turn off for looser schemas.
   * Default true.
   */
  strictSchema?: boolean;
}

/** The API key sent to servers that need none (vLLM, llama.cpp, Ollama's /v1): the SDK insists on one. */
const NO_KEY = 'none';

/**
 * An OpenAI-compatible backend (OpenAI, vLLM, llama.cpp server, LM Studio, Ollama's /v1) through the
 * `openai` package: `chat.completions.create` with `response_format: json_schema`, `max_tokens`,
 * `seed`. The host is `spec.baseUrl`, else every `spec.hosts[i] + '/v1'`. The SDK's own retries are
 * off (retries here move between hosts and honour `Retry-After`). The API key never appears in a
 * message, a log line or stats.
 */
export function createOpenAiBackend(name: string, spec: BackendSpec, deps: OpenAiBackendDeps = {}): LlmBackend {
  const bases = spec.baseUrl ? [spec.baseUrl] : (spec.hosts ?? []).map((h) => `${h.replace(/\/+$/, '')}/v1`);
  if (bases.length === 0) throw new BackendUnavailable(`[backend:${name}] an openai backend needs baseUrl or hosts`);
  const apiKey = spec.apiKey ? spec.apiKey : NO_KEY;
  const secret = apiKey === NO_KEY ? undefined : apiKey;
  const agent = createHttpAgent(spec.timeoutMs);
  const model = spec.model;
  const strict = deps.strictSchema ?? true;
  const hostPrefix = (host: string): string => `[backend:${name} ${host}]`;
  const modelHint = 'check the model name against the server\'s model list';
  const startHint = (host: string): string =>
    `check baseUrl, or start a local server such as \`synthfarm sim --port ${hintPort(host)}\` (then use http://127.0.0.1:${hintPort(host)}/v1)`;

  // Base URL per host label; each host's client is made on its first request (the SDK loads then).
  const hostBases = new Map<string, string>();
  for (const base of bases) {
    const label = hostLabel(base);
    if (!hostBases.has(label)) hostBases.set(label, base.replace(/\/+$/, ''));
  }
  const clients = new Map<string, OpenAI>();
  const clientFor = (host: string, sdk: Sdk): OpenAI => {
    let c = clients.get(host);
    if (c) return c;
    const baseURL = hostBases.get(host);
    if (baseURL === undefined) throw new BackendUnavailable(`${hostPrefix(host)} unknown host`);
    clients.set(host, (c = new sdk.default({ baseURL, apiKey, maxRetries: 0, timeout: spec.timeoutMs, fetch: agentFetch(agent) })));
    return c;
  };

  /** SDK errors as synthfarm errors, decided by class and status; messages scrubbed of the key. */
  function mapError(sdk: Sdk, host: string, err: unknown): unknown {
    const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } = sdk;
    const p = hostPrefix(host);
    if (err instanceof SynthfarmError || err instanceof APIUserAbortError) return err;
    if (err instanceof APIConnectionTimeoutError) {
      return new RetryableBackendError(`${p} no answer within ${spec.timeoutMs} ms (timeoutMs)`, { cause: err });
    }
    if (err instanceof APIConnectionError) return transportError(p, err, secret);
    // SDK errors carrying server text are not kept as `cause`: the server may echo the key, and a
    // logged or inspected error shows its causes. Status and Retry-After are all that is needed.
    if (err instanceof APIError && typeof err.status === 'number') {
      const detail = scrub(err.message.replace(new RegExp(`^${err.status}\\s*`), ''), secret);
      const retryAfterMs = parseRetryAfter(err.headers);
      return errorForStatus(p, err.status, detail, { ...(retryAfterMs !== undefined ? { retryAfterMs } : {}), model, modelHint });
    }
    // Anything else the SDK raises (an unreadable body, a cut stream) is worth another attempt.
    if (err instanceof OpenAIError) return new RetryableBackendError(`${p} ${scrub(err.message, secret)}`);
    return err;
  }

  const transport: HostTransport = {
    async call(host: string, req: ResolvedRequest, signal: AbortSignal): Promise<AttemptResult> {
      const messages: ChatCompletionMessageParam[] = [];
      if (req.system) messages.push({ role: 'system', content: req.system });
      messages.push({ role: 'user', content: req.prompt });
      const body: ChatCompletionCreateParamsNonStreaming = { model, messages };
      if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
      if (req.seed !== undefined) body.seed = req.seed;
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.schema) body.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: req.schema, strict } };
      const sdk = await loadOpenAi();
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await clientFor(host, sdk).chat.completions.create(body, { signal, timeout: spec.timeoutMs, maxRetries: 0 });
      } catch (err) {
        throw mapError(sdk, host, err);
      }
      const choice = completion.choices?.[0];
      if (!choice) throw new RetryableBackendError(`${hostPrefix(host)} answer has no choices`);
      const text = choice.message?.content ?? '';
      return {
        text,
        truncated: choice.finish_reason === 'length',
        tokensIn: completion.usage?.prompt_tokens ?? estimateTokens((req.system ?? '') + req.prompt),
        tokensOut: completion.usage?.completion_tokens ?? estimateTokens(text),
      };
    },

    async check(host: string, signal: AbortSignal): Promise<void> {
      const modelsUrl = `${host}/models`;
      const served: string[] = [];
      const sdk = await loadOpenAi();
      const { APIConnectionError, APIError } = sdk;
      try {
        for await (const m of clientFor(host, sdk).models.list({ signal, maxRetries: 0 })) served.push(m.id);
      } catch (err) {
        // Some compatible servers have no /v1/models: reachable is all that can be checked then.
        if (err instanceof APIError && (err.status === 404 || err.status === 405)) return;
        if (err instanceof APIError && (err.status === 401 || err.status === 403)) {
          throw new BackendUnavailable(`${hostPrefix(host)} GET ${modelsUrl} answered ${err.status}: not authorized, check the backend's apiKey`);
        }
        if (err instanceof APIError && typeof err.status === 'number') {
          throw new BackendUnavailable(`${hostPrefix(host)} GET ${modelsUrl} answered ${err.status}; ${startHint(host)}`);
        }
        const why = signal.aborted ? 'no answer in time' : scrub(describeCause(err instanceof APIConnectionError ? (err.cause ?? err) : err), secret);
        throw new BackendUnavailable(`${hostPrefix(host)} cannot reach ${modelsUrl} (${why}); ${startHint(host)}`, { cause: err });
      }
      if (!served.some((id) => sameModel(id, model))) {
        const has = served.slice(0, 10).join(', ') || 'none';
        throw new BackendUnavailable(`${hostPrefix(host)} ${modelsUrl} does not list model "${model}" (has: ${has}); ${modelHint}`);
      }
    },

    async close(): Promise<void> {
      await agent.close();
    },
  };

  return createPooledBackend({ name, provider: 'openai', spec, hosts: [...hostBases.keys()], transport, deps });
}
