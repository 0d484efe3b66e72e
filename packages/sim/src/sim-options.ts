import { z } from 'zod';
import { ModelQualitySchema } from './model-quality.js';

/**
 * Faults the simulated host injects. Every rate is a fraction of answers in [0, 1], rolled per
 * request from the server seed and a request counter, so a run with the same seed and the same
 * request order sees the same faults. Defaults: no faults at all.
 */
export const SimFaultsSchema = z
  .object({
    malformedRate: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('Fraction of answers (0..1) whose content is broken JSON (cut mid-value or wrapped in prose) while done_reason still says "stop". Default 0.'),
    errorRate: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('Fraction of requests (0..1) answered at once with HTTP 500 and an Ollama-style {"error": "..."} body, without taking a slot. Default 0.'),
    hangRate: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('Fraction of requests (0..1) that take a slot and never answer until the client closes the connection (a stuck runner). Default 0.'),
    dropRate: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('Fraction of requests (0..1) whose socket is destroyed halfway through the response. Default 0.'),
    slowFactor: z
      .number()
      .positive()
      .default(1)
      .describe('Multiplier (> 0) on the simulated prompt-evaluation and generation time; 3 means a host three times slower. Default 1.'),
    missingModels: z
      .array(z.string().min(1))
      .default([])
      .describe('Model names that answer 404 "model \'x\' not found" even though /api/tags lists them (a model deleted under a running farm). Default [].'),
    rollBy: z
      .enum(['request', 'content'])
      .default('request')
      .describe(
        "What a fault roll is keyed by: 'request' (the request counter: a retry can succeed, order matters) or 'content' (what the request asks: the same request meets the same fault in any order, mode or process, and on every retry). Default 'request'.",
      ),
  })
  .strict();

/** Fault settings after defaults are applied. */
export type SimFaults = z.infer<typeof SimFaultsSchema>;
/** Fault settings as a caller may write them: every field optional. */
export type SimFaultsInput = z.input<typeof SimFaultsSchema>;

/**
 * Options of {@link createSimServer}. Parsed once, with defaults, when the server is built;
 * a bad option throws a `[sim]` error naming the option and the rule.
 */
export const SimOptionsSchema = z
  .object({
    models: z
      .array(z.string().min(1))
      .min(1)
      .default(['gemma3:4b', 'llama3.2:3b', 'qwen2.5:7b'])
      .describe('Models the host serves and lists in /api/tags and /v1/models. A name without a tag means ":latest". Default gemma3:4b, llama3.2:3b, qwen2.5:7b.'),
    slots: z
      .number()
      .int()
      .min(1)
      .default(4)
      .describe('Requests generated at once, like OLLAMA_NUM_PARALLEL; the rest wait in a FIFO queue. Default 4.'),
    tokensPerSecond: z
      .number()
      .positive()
      .default(200)
      .describe('Output tokens generated per second per slot; a request holds its slot for eval_count / tokensPerSecond seconds. Use 1e9 for near-instant tests. Default 200.'),
    promptTokensPerSecond: z
      .number()
      .positive()
      .default(5000)
      .describe('Prompt tokens evaluated per second per slot, before the first output token. Default 5000.'),
    maxQueue: z
      .number()
      .int()
      .min(0)
      .default(512)
      .describe('Requests allowed to wait for a slot, like OLLAMA_MAX_QUEUE; one more is answered 503 "server busy". Default 512.'),
    seed: z
      .number()
      .int()
      .default(0)
      .describe('Seed of generated content and fault rolls; mixed with a request\'s own options.seed / seed. Default 0.'),
    streamIntervalMs: z
      .number()
      .positive()
      .default(50)
      .describe('Target gap between streamed chunks, in milliseconds; each chunk carries the tokens generated in that time (at least one). Default 50.'),
    version: z
      .string()
      .min(1)
      .default('0.32.15')
      .describe('Version reported by GET /api/version. Default "0.32.15".'),
    faults: SimFaultsSchema.default(() => SimFaultsSchema.parse({})).describe('Injected faults; see SimFaultsSchema. Default none.'),
    requestLog: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Generation requests kept for SimServer.requests(): the newest N, as parsed (model, messages, format). Lets a test see what a model was asked. Default 0: none kept.'),
    quality: z
      .record(z.string().min(1), ModelQualitySchema)
      .default({})
      .describe('Per model (by name): rates of answers breaking a field\'s constraints by difficulty, truncation, and speed; see ModelQualitySchema. Default: every answer valid, at the host\'s speed.'),
  })
  .strict();

/** Options after defaults are applied. */
export type SimOptions = z.infer<typeof SimOptionsSchema>;
/** Options as a caller may write them: every field optional. */
export type SimOptionsInput = z.input<typeof SimOptionsSchema>;

/** Formats zod issues as `[sim] option.path: rule; ...` so a bad option names itself. */
export function formatOptionIssues(error: z.ZodError, prefix = ''): string {
  const parts = error.issues.map((i) => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return path ? `${path}: ${i.message}` : i.message;
  });
  return `[sim] invalid options: ${parts.join('; ')}`;
}
