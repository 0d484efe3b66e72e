import { z } from 'zod';
import { intOption, type Logger } from '@synthfarm/core';
import type { CodegenPool } from '@synthfarm/engine';
import { createFarmPolicy, type FarmPolicy } from '@synthfarm/spec';
import { DEFAULT_PREFIX } from './keys.js';

/**
 * Options of `createFarmWorker`. Parsed once, each default here and nowhere else (the CLI passes
 * its numbers through as given); a bad option throws `[worker] invalid options: slots: must be a
 * positive integer` (exit 2), before the worker connects anywhere.
 */
export const FarmWorkerOptionsSchema = z.object({
  redisUrl: z.string().min(1, { error: 'must be a Redis URL' }).describe('The farm\'s Redis. Required.'),
  host: z
    .object({
      name: z.string().regex(/^[A-Za-z0-9._-]+$/, { error: 'must be letters, digits, ., _ and -' }),
      url: z.string().min(1, { error: 'must be the host\'s URL' }),
    }, { error: 'must be { name, url }, e.g. gpu1=http://gpu1:11434' })
    .describe('The GPU host this worker is pinned to: `gpu1=http://gpu1:11434`. Required.'),
  slots: intOption(1).default(4).describe("Requests the host runs at once (Ollama's OLLAMA_NUM_PARALLEL). Default 4."),
  queueAhead: intOption(0)
    .default(1)
    .describe("Requests kept waiting at the host beyond its slots, so a slot that frees starts the next call at once instead of after a round trip through this worker (Ollama queues them, up to OLLAMA_MAX_QUEUE). 0 for a server that refuses requests beyond its slots. Default 1."),
  prefix: z.string().min(1, { error: 'must not be empty' }).default(DEFAULT_PREFIX).describe('Redis key prefix (a hash tag, for Redis Cluster). Default `{synthfarm}`.'),
  cooldownMs: intOption(0).default(15_000).describe('How long a failing host sits out before it is checked again, in milliseconds. Default 15 000.'),
  drainTimeoutMs: intOption(0).default(20_000).describe('How long close() waits for in-flight batches before handing them back, in milliseconds. Default 20 000.'),
  threads: intOption(0).default(1).describe('Code threads (piscina) for code fields and encoding; 0 runs them inline. Default 1.'),
  pool: z
    .custom<CodegenPool>((v) => typeof v === 'object' && v !== null && typeof (v as CodegenPool).run === 'function', { error: 'must be a CodegenPool (createCodegenPool)' })
    .optional()
    .describe("Code threads shared with this process's other workers (one process serving several hosts): the worker uses them and leaves closing them to their owner. Default: its own `threads`."),
  cacheDir: z.string().min(1, { error: 'must not be empty' }).optional().describe('Response cache directory on this worker. Default: no cache.'),
  lockDurationMs: intOption(1)
    .default(30_000)
    .describe('BullMQ lock duration: a batch whose worker stops renewing it is retried elsewhere, in milliseconds. Default 30 000.'),
  policy: z
    .custom<FarmPolicy>((v) => typeof v === 'object' && v !== null && (v as FarmPolicy).secrets instanceof Map, { error: 'must be a FarmPolicy (farmPolicyFromOptions)' })
    .default(() => createFarmPolicy())
    .describe('The operator\'s secret bindings (`--secret NAME@ORIGIN`): the only variables this worker resolves for a stored spec, each only for a backend whose baseUrl has the bound origin. Default: none, so no API key is ever sent.'),
  env: z
    .custom<NodeJS.ProcessEnv>((v) => typeof v === 'object' && v !== null, { error: 'must be an object of variables' })
    .default(() => process.env)
    .describe('Where bound secrets are read from. Default `process.env`.'),
  log: z.custom<Logger>((v) => typeof v === 'object' && v !== null, { error: 'must be a Logger' }).optional(),
});

/** Worker options as a caller writes them: defaults optional. */
export type FarmWorkerOptions = z.input<typeof FarmWorkerOptionsSchema>;
/** Worker options after defaults. */
export type FarmWorkerSettings = z.output<typeof FarmWorkerOptionsSchema>;
