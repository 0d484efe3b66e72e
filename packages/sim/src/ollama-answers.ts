import { hash53, mix32 } from '@synthfarm/core';
import { ollamaMetrics, type AnswerEncoder, type AnswerTotals } from './answer-encoder.js';

/** Options of {@link createOllamaEncoder}. */
export interface OllamaEncoderOptions {
  /** `chat` answers carry `message`, `generate` answers carry `response` (and `context`). */
  kind: 'chat' | 'generate';
  /** Model name as requested; Ollama echoes the request's spelling. */
  model: string;
  /** generate with `raw: true` returns no `context`. Default false. */
  raw?: boolean;
}

/** created_at as Ollama writes it: UTC, RFC 3339. */
function now(): string {
  return new Date().toISOString();
}

/**
 * Token ids of the deprecated `context` field (prompt + answer). Real ids mean nothing to a client,
 * so pseudo-ids of the right length do; they derive from the answer so equal answers carry equal ids.
 */
function fakeContext(length: number, seed: number): number[] {
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) out[i] = mix32(seed, i) % 32000;
  return out;
}

/** NDJSON / JSON encoder for Ollama's /api/chat and /api/generate (field order as Ollama's Go structs). */
export function createOllamaEncoder(opts: OllamaEncoderOptions): AnswerEncoder {
  const { kind, model } = opts;
  const text = (content: string): Record<string, unknown> =>
    kind === 'chat' ? { message: { role: 'assistant', content } } : { response: content };
  const final = (totals: AnswerTotals, content: string): Record<string, unknown> => {
    const body: Record<string, unknown> = { model, created_at: now(), ...text(content), done: true, done_reason: totals.plan.doneReason };
    if (kind === 'generate' && !opts.raw) body.context = fakeContext(totals.plan.promptTokens + totals.plan.evalTokens, hash53(totals.plan.content) % 4294967296);
    return { ...body, ...ollamaMetrics(totals) };
  };
  return {
    streamContentType: 'application/x-ndjson',
    wholeContentType: 'application/json; charset=utf-8',
    chunk: (piece) => `${JSON.stringify({ model, created_at: now(), ...text(piece), done: false })}\n`,
    end: (totals) => `${JSON.stringify(final(totals, ''))}\n`,
    whole: (totals) => JSON.stringify(final(totals, totals.plan.content)),
  };
}

/** The answer to a load-only request (empty prompt or no messages): `done_reason` "load" or "unload". */
export function ollamaLoadAnswer(kind: 'chat' | 'generate', model: string, reason: 'load' | 'unload'): Record<string, unknown> {
  return kind === 'chat'
    ? { model, created_at: now(), message: { role: 'assistant', content: '' }, done: true, done_reason: reason }
    : { model, created_at: now(), response: '', done: true, done_reason: reason };
}
