import { z } from 'zod';
import type { GenerationRequest } from './completion-plan.js';
import { readFormat } from './request-format.js';

/** Model options the sim honours; every other option is accepted and ignored, as a model would. */
const OptionsSchema = z
  .object({
    num_predict: z.number().optional().describe('Output token limit; <= 0 means none.'),
    seed: z.number().int().optional().describe('Request seed: same request + seed → same answer.'),
    num_ctx: z.number().int().positive().optional().describe("Context window in tokens; a longer prompt is cut, as Ollama cuts it."),
  })
  .loose();

const MessageSchema = z
  .object({
    role: z.string(),
    // Go decodes a JSON null into "", so the sim does too.
    content: z.string().nullish().transform((v) => v ?? ''),
  })
  .loose();

/** Body of POST /api/chat (fields the sim reads; the rest pass through). */
export const OllamaChatRequestSchema = z
  .object({
    model: z.string().default(''),
    messages: z.array(MessageSchema).nullish().transform((v) => v ?? []),
    stream: z.boolean().nullish(),
    format: z.unknown().optional(),
    options: OptionsSchema.nullish(),
    keep_alive: z.union([z.string(), z.number()]).nullish(),
  })
  .loose();

/** Body of POST /api/generate (fields the sim reads; the rest pass through). */
export const OllamaGenerateRequestSchema = z
  .object({
    model: z.string().default(''),
    prompt: z.string().nullish().transform((v) => v ?? ''),
    system: z.string().nullish(),
    raw: z.boolean().nullish(),
    stream: z.boolean().nullish(),
    format: z.unknown().optional(),
    options: OptionsSchema.nullish(),
    keep_alive: z.union([z.string(), z.number()]).nullish(),
  })
  .loose();

/** A parsed Ollama generation request, or the 400/500 answer for a bad one. */
export type OllamaParse =
  | { ok: true; request: GenerationRequest; keepAlive: unknown; raw: boolean; loadOnly: boolean }
  | { ok: false; status: number; error: string };

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** Parses an /api/chat or /api/generate body into the sim's common request. */
export function parseOllamaRequest(kind: 'chat' | 'generate', body: unknown): OllamaParse {
  if (kind === 'chat') {
    const parsed = OllamaChatRequestSchema.safeParse(body);
    if (!parsed.success) return { ok: false, status: 400, error: zodMessage(parsed.error) };
    const b = parsed.data;
    const format = readFormat(b.format);
    if (!format.ok) return { ok: false, status: 500, error: format.error };
    return {
      ok: true,
      keepAlive: b.keep_alive ?? undefined,
      raw: false,
      loadOnly: b.messages.length === 0,
      request: {
        model: b.model,
        messages: b.messages.map((m) => ({ role: m.role, content: m.content })),
        format: format.format,
        numPredict: b.options?.num_predict,
        numCtx: b.options?.num_ctx,
        seed: b.options?.seed,
        stream: b.stream ?? true,
      },
    };
  }
  const parsed = OllamaGenerateRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, status: 400, error: zodMessage(parsed.error) };
  const b = parsed.data;
  const format = readFormat(b.format);
  if (!format.ok) return { ok: false, status: 500, error: format.error };
  const messages = [...(b.system ? [{ role: 'system', content: b.system }] : []), { role: 'user', content: b.prompt }];
  return {
    ok: true,
    keepAlive: b.keep_alive ?? undefined,
    raw: b.raw ?? false,
    loadOnly: b.prompt === '',
    request: {
      model: b.model,
      messages,
      format: format.format,
      numPredict: b.options?.num_predict,
      numCtx: b.options?.num_ctx,
      seed: b.options?.seed,
      stream: b.stream ?? true,
    },
  };
}
