import { z } from 'zod';
import { parseOptions, type Logger } from '@synthfarm/core';
import type { Redis } from 'ioredis';
import { farmDailyCap } from './daily-ledger.js';
import type { FarmKeys } from './keys.js';

/**
 * The farm's budget options (`--max-daily-cost` on `worker`, `serve` and `run --redis`).
 * Parsed once, the default here and nowhere else; a bad one throws `[farm budget] invalid
 * options: maxDailyCostUsd: must be >= 0 (USD)` (exit 2).
 */
export const FarmBudgetOptionsSchema = z.object({
  maxDailyCostUsd: z
    .number({ error: 'must be a number of USD' })
    .min(0, { error: 'must be >= 0 (USD)' })
    .optional()
    .describe(
      "USD the whole farm may spend per UTC day over every run, in flight included. Stored in the farm's Redis, so every coordinator (run --redis, serve, a worker's schedule firings) holds to it; a spec's budgets.daily can only lower it for its own run. Default: the cap the farm already has (none until a process sets one).",
    ),
});

/** Farm budget options as a caller writes them. */
export type FarmBudgetOptions = z.input<typeof FarmBudgetOptionsSchema>;

/**
 * Applies a process's farm budget options: a given `maxDailyCostUsd` becomes the farm's daily
 * cap (the last process started with one sets it; a change is logged).
 * @throws UsageError for a bad option, before Redis is touched.
 */
export async function applyFarmBudget(redis: Redis, keys: FarmKeys, input: FarmBudgetOptions, log?: Logger): Promise<void> {
  const { maxDailyCostUsd } = parseOptions(FarmBudgetOptionsSchema, input, 'farm budget');
  if (maxDailyCostUsd === undefined) return;
  const before = await farmDailyCap(redis, keys);
  await redis.set(keys.dailyCap, String(maxDailyCostUsd));
  if (before !== undefined && before !== maxDailyCostUsd) log?.info({ before, after: maxDailyCostUsd }, 'farm daily cap changed');
}
