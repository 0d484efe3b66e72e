import { z } from 'zod';

const usd = z.number('must be a number of USD').min(0, 'must be >= 0 (USD)');

/**
 * A spec's spending caps, in USD (DESIGN §8). Each batch's estimated cost is reserved against
 * every cap that applies before the batch is dispatched and settled to what it cost when it is
 * committed, so a cap is passed by at most what the batches in flight cost beyond their
 * estimates. A batch a cap refuses is not dispatched: its records, and every one after it,
 * become rejects with reason `budget_exceeded`.
 */
export const BudgetsSchema = z
  .strictObject({
    run: usd.optional().describe('USD the whole run may spend over all backends; `--max-cost` overrides it. Default: no cap.'),
    perBackend: z.record(z.string(), usd).default({}).describe('USD each named backend may spend in this run. Default: no cap.'),
    daily: usd
      .optional()
      .describe('USD the farm may spend in the current UTC day, over every run, counted in Redis (farm mode); an embedded run, alone on its machine, counts only its own spending against it. Default: no cap.'),
  })
  .optional();

export type BudgetsSpec = z.infer<typeof BudgetsSchema>;
