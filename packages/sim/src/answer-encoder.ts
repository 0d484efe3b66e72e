import type { CompletionPlan } from './completion-plan.js';

/** Measured and simulated figures of a finished generation, for the closing object. */
export interface AnswerTotals {
  plan: CompletionPlan;
  /** Wall time from receiving the request to the end of generation (queue wait included), in nanoseconds. */
  totalNs: number;
  /** Wall time from receiving the request until it was handed to the scheduler, in nanoseconds. */
  loadNs: number;
}

/**
 * Turns a generation into the bytes one API sends. The server owns timing, slots and faults;
 * an encoder owns only the wire format, so /api/chat, /api/generate and /v1/chat/completions share
 * one generation loop exactly as Ollama runs /v1 through its /api/chat handler.
 */
export interface AnswerEncoder {
  /** Content-Type of a streamed answer. */
  readonly streamContentType: string;
  /** Content-Type of a one-object answer (`stream: false`). */
  readonly wholeContentType: string;
  /** One streamed piece of the answer text. */
  chunk(text: string): string;
  /** Closing bytes of a stream: Ollama's final `done: true` object, or OpenAI's finish, usage and `[DONE]` events. */
  end(totals: AnswerTotals): string;
  /** The whole answer as one body. */
  whole(totals: AnswerTotals): string;
}

/** Ollama's metrics, omitting zero values as Go's `omitempty` does. */
export function ollamaMetrics(totals: AnswerTotals): Record<string, number> {
  const { plan } = totals;
  const all: Array<[string, number]> = [
    ['total_duration', totals.totalNs],
    ['load_duration', totals.loadNs],
    ['prompt_eval_count', plan.promptTokens],
    ['prompt_eval_duration', plan.promptEvalNs],
    ['eval_count', plan.evalTokens],
    ['eval_duration', plan.evalNs],
  ];
  const out: Record<string, number> = {};
  for (const [k, v] of all) if (v !== 0) out[k] = Math.round(v);
  return out;
}
