import { hash53 } from '@synthfarm/core';
import { malformAnswer } from './malform.js';
import { breakValues, type ModelQuality } from './model-quality.js';
import { DEFAULT_CONTEXT_LENGTH } from './ollama-listings.js';
import { createRng } from './rng.js';
import { sampleJsonSchema } from './schema-sample.js';
import { stableStringify } from './stable-stringify.js';
import { sampleSentences } from './text-sample.js';
import { countTokens, truncateToTokens } from './tokens.js';

/** One chat message as the sim reads it: only the text counts. */
export interface SimMessage {
  role: string;
  content: string;
}

/** Requested output format: Ollama's `"json"` mode or a JSON Schema object. */
export type SimFormat = 'json' | Record<string, unknown>;

/**
 * A generation request after either API's body is parsed: /api/chat, /api/generate and
 * /v1/chat/completions all become this, as Ollama's own OpenAI middleware turns /v1 into /api/chat.
 */
export interface GenerationRequest {
  /** Model name as the client wrote it; answers echo it. */
  model: string;
  /** Prompt messages (generate's `system` + `prompt` become a system and a user message). */
  messages: readonly SimMessage[];
  format: SimFormat | undefined;
  /** Output token limit (`options.num_predict`, `max_tokens`); undefined or <= 0 means none. */
  numPredict: number | undefined;
  /** Ollama's `options.num_ctx` (the OpenAI API has none: the server's default applies). */
  numCtx?: number | undefined;
  /** The request's own seed (`options.seed`, OpenAI `seed`). */
  seed: number | undefined;
  stream: boolean;
}

/** Settings of the host that shape every completion. */
export interface PlanSettings {
  /** Server seed, mixed with the request's seed. */
  serverSeed: number;
  /** Output tokens per second per slot. */
  tokensPerSecond: number;
  /** Prompt tokens per second per slot. */
  promptTokensPerSecond: number;
  /** Multiplier on prompt and generation time. */
  slowFactor: number;
  /** Break the answer (the malformedRate fault fired for this request). */
  malformed: boolean;
  /** The model's quality knobs, when set. */
  quality?: ModelQuality | undefined;
}

/** What the sim will answer, decided before any time passes. */
export interface CompletionPlan {
  /** Text sent to the client: the answer, possibly malformed, possibly cut at the token limit. */
  content: string;
  promptTokens: number;
  evalTokens: number;
  doneReason: 'stop' | 'length';
  /** Simulated prompt evaluation time, in nanoseconds. */
  promptEvalNs: number;
  /** Simulated generation time, in nanoseconds. */
  evalNs: number;
}

/** Prompt token count: ceil(chars / 4) over the summed message contents. */
export function promptTokenCount(messages: readonly SimMessage[]): number {
  let chars = 0;
  for (const m of messages) chars += m.content.length;
  return Math.ceil(chars / 4);
}

/**
 * Seed of a request's answer: a hash of what determines the answer (model, messages, format)
 * mixed with the server seed and the request seed. Stream mode and token limits are left out so
 * a streamed, a non-streamed and a truncated answer are prefixes of the same text.
 */
export function contentSeedParts(req: GenerationRequest, serverSeed: number): number[] {
  const key = stableStringify({ model: req.model.toLowerCase(), messages: req.messages.map((m) => [m.role, m.content]), format: req.format ?? null });
  const h = hash53(key);
  const seed = req.seed ?? 0;
  return [h % 4294967296, Math.floor(h / 4294967296), serverSeed >>> 0, req.seed === undefined ? 0 : 1, seed >>> 0, Math.floor(seed / 4294967296)];
}

/** Decides the answer, its token counts, done reason and simulated durations. */
export function planCompletion(req: GenerationRequest, settings: PlanSettings): CompletionPlan {
  const [first = 0, ...rest] = contentSeedParts(req, settings.serverSeed);
  const rng = createRng(first, ...rest);
  let answer: string;
  if (req.format === 'json') answer = JSON.stringify(sampleJsonSchema({ type: 'object' }, { rng }));
  else if (req.format) {
    const value = sampleJsonSchema(req.format, { rng });
    if (settings.quality) breakValues(value, req.format, req.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n'), settings.quality, [first, ...rest]);
    answer = JSON.stringify(value);
  } else answer = sampleSentences(rng, rng.int(1, 3));

  if (settings.malformed) answer = malformAnswer(answer, rng).text;

  let content = answer;
  let doneReason: 'stop' | 'length' = 'stop';
  const limit = settings.quality?.truncateRate && createRng(first, ...rest, 0x7c07).next() < settings.quality.truncateRate ? Math.max(1, Math.floor(countTokens(answer) / 2)) : req.numPredict;
  if (limit !== undefined && limit > 0 && countTokens(answer) > limit) {
    content = truncateToTokens(answer, limit);
    doneReason = 'length';
  }

  // Ollama cuts a prompt longer than the context window without an error: it keeps half the
  // window (num_ctx/2 + 2 tokens evaluated, ollama/ollama#17427) and reports only what it kept.
  const sentTokens = promptTokenCount(req.messages);
  const window = req.numCtx ?? DEFAULT_CONTEXT_LENGTH;
  const promptTokens = sentTokens > window ? Math.floor(window / 2) + 2 : sentTokens;
  const evalTokens = countTokens(content);
  const nsFor = (tokens: number, perSecond: number): number => (tokens === 0 ? 0 : Math.max(1, Math.round((tokens / perSecond) * 1e9 * settings.slowFactor)));
  return {
    content,
    promptTokens,
    evalTokens,
    doneReason,
    promptEvalNs: nsFor(promptTokens, settings.promptTokensPerSecond),
    evalNs: nsFor(evalTokens, settings.quality?.tokensPerSecond ?? settings.tokensPerSecond),
  };
}
