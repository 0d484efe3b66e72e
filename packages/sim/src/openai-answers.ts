import type { AnswerEncoder, AnswerTotals } from './answer-encoder.js';

/** Options of {@link createOpenAiEncoder}. */
export interface OpenAiEncoderOptions {
  /** Model name as requested. */
  model: string;
  /** Completion id, `chatcmpl-N` like Ollama's. */
  id: string;
  /** Send a usage chunk before `[DONE]` (`stream_options.include_usage`). Default false. */
  includeUsage?: boolean;
}

/** OpenAI error types Ollama maps HTTP statuses to (openai.NewError). */
export function openAiErrorBody(status: number, message: string): Record<string, unknown> {
  const type = status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error';
  return { error: { message, type, param: null, code: null } };
}

/**
 * SSE / JSON encoder for /v1/chat/completions, shaped like Ollama's compatibility layer: role in the
 * first delta only, a separate finish chunk with an empty delta, an optional usage chunk with no
 * choices, then `data: [DONE]`. `created` is pinned for the whole stream, as OpenAI does.
 */
export function createOpenAiEncoder(opts: OpenAiEncoderOptions): AnswerEncoder {
  const created = Math.floor(Date.now() / 1000);
  const head = { id: opts.id, object: 'chat.completion.chunk', created, model: opts.model, system_fingerprint: 'fp_ollama' };
  let first = true;
  const event = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
  const usage = (t: AnswerTotals): Record<string, number> => ({
    prompt_tokens: t.plan.promptTokens,
    completion_tokens: t.plan.evalTokens,
    total_tokens: t.plan.promptTokens + t.plan.evalTokens,
  });
  const chunk = (piece: string): string => {
    const delta = first ? { role: 'assistant', content: piece } : { content: piece };
    first = false;
    return event({ ...head, choices: [{ index: 0, delta, finish_reason: null }] });
  };
  return {
    streamContentType: 'text/event-stream',
    wholeContentType: 'application/json',
    chunk,
    end: (totals) => {
      // A stream with no content still opens with a role chunk.
      let out = first ? chunk('') : '';
      out += event({ ...head, choices: [{ index: 0, delta: {}, finish_reason: totals.plan.doneReason }] });
      if (opts.includeUsage) out += event({ ...head, choices: [], usage: usage(totals) });
      return `${out}data: [DONE]\n\n`;
    },
    whole: (totals) =>
      `${JSON.stringify({
        id: opts.id,
        object: 'chat.completion',
        created,
        model: opts.model,
        system_fingerprint: 'fp_ollama',
        choices: [{ index: 0, message: { role: 'assistant', content: totals.plan.content }, finish_reason: totals.plan.doneReason }],
        usage: usage(totals),
      })}\n`,
  };
}
