import { z } from 'zod';
import type { GenerationRequest, SimFormat } from './completion-plan.js';

const ContentPartSchema = z.object({ type: z.string(), text: z.string().optional() }).loose();

const MessageSchema = z
  .object({
    role: z.string(),
    content: z.union([z.string(), z.array(ContentPartSchema)]).nullish(),
  })
  .loose();

/** Body of POST /v1/chat/completions (fields the sim reads; the rest pass through). */
export const OpenAiChatRequestSchema = z
  .object({
    model: z.string().default(''),
    messages: z.array(MessageSchema).default([]),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).loose().nullish(),
    max_tokens: z.number().int().nullish().describe('Output token limit (Ollama maps it to num_predict).'),
    max_completion_tokens: z
      .number()
      .int()
      .nullish()
      .describe('Newer name of max_tokens. Ollama itself ignores it; the sim honours it when max_tokens is absent.'),
    seed: z.number().int().nullish(),
    response_format: z
      .object({
        type: z.string(),
        json_schema: z.object({ schema: z.unknown().optional() }).loose().nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();

/** A parsed /v1 chat request, or the 400 answer for a bad one. */
export type OpenAiParse =
  | { ok: true; request: GenerationRequest; includeUsage: boolean }
  | { ok: false; status: number; error: string };

/** Joins the text parts of a message; images and other parts carry no text to count. */
function messageText(content: string | Array<{ type: string; text?: string | undefined }> | null | undefined): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

/** Maps `response_format` as Ollama's compatibility layer does: json_object → "json", json_schema → its schema. */
function formatOf(rf: z.infer<typeof OpenAiChatRequestSchema>['response_format']): SimFormat | undefined {
  if (!rf) return undefined;
  const type = rf.type.trim().toLowerCase();
  if (type === 'json_object') return 'json';
  if (type === 'json_schema') {
    const schema = rf.json_schema?.schema;
    return schema && typeof schema === 'object' && !Array.isArray(schema) ? (schema as Record<string, unknown>) : undefined;
  }
  return undefined;
}

/** Parses a /v1/chat/completions body into the sim's common request. */
export function parseOpenAiRequest(body: unknown): OpenAiParse {
  const parsed = OpenAiChatRequestSchema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, status: 400, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
  }
  const b = parsed.data;
  // Ollama's own wording for an empty message list.
  if (b.messages.length === 0) return { ok: false, status: 400, error: "[] is too short - 'messages'" };
  return {
    ok: true,
    includeUsage: b.stream_options?.include_usage === true,
    request: {
      model: b.model,
      messages: b.messages.map((m) => ({ role: m.role, content: messageText(m.content) })),
      format: formatOf(b.response_format),
      numPredict: b.max_tokens ?? b.max_completion_tokens ?? undefined,
      seed: b.seed ?? undefined,
      stream: b.stream ?? false,
    },
  };
}
