import { createBudgetLedger, createMemoryDailyLedger, type DailyLedger, type RunBudget, type RunEstimate } from '@synthfarm/engine';
import type { Spec } from '@synthfarm/spec';
import { createCostModel } from './estimate.js';
import { ratesFromDir } from './fit-rates.js';
import { enrichFieldNames } from './enrich-fields.js';

/** Options of {@link prepareRunCosts}. */
export interface RunCostsOptions {
  /** `--max-cost` in USD: overrides the spec's `budgets.run`. */
  maxCostUsd?: number | undefined;
  /**
   * The day's shared spending (a farm's, in Redis). Default: an embedded run's own, counted in
   * memory, and only when the spec sets `budgets.daily`.
   */
  daily?: DailyLedger | undefined;
  /** Where the last run of this spec published its manifest (rates are fitted to it); default `output.dir`. */
  historyDir?: string | undefined;
}

/** A run's budget and the plan's estimate of it. */
export interface RunCosts {
  /** Undefined when the run has no cap and no shared day to count in. */
  budget: RunBudget | undefined;
  estimate: RunEstimate;
}

/**
 * The cost side of a run (DESIGN §8), the same in both modes: the plan's estimate (rates fitted
 * to the last run published in the output directory, else priors) for the manifest, and the
 * budget that reserves each batch's estimated cost against the caps (`--max-cost` or
 * `budgets.run`, `budgets.perBackend`, `budgets.daily`) before it is dispatched.
 */
export async function prepareRunCosts(spec: Spec, opts: RunCostsOptions = {}): Promise<RunCosts> {
  const model = await createCostModel(spec, enrichFieldNames(spec));
  const rates = await ratesFromDir(model, spec, opts.historyDir ?? spec.output.dir);
  const run = model.run(rates);
  const estimate: RunEstimate = { rates, calls: run.total.calls, tokensIn: run.total.tokensIn, tokensOut: run.total.tokensOut, cost: run.total.cost };
  const b = spec.budgets;
  const caps = { run: opts.maxCostUsd ?? b?.run, perBackend: b?.perBackend ?? {}, daily: b?.daily };
  const daily = opts.daily ?? (caps.daily !== undefined ? createMemoryDailyLedger() : undefined);
  const capped = caps.run !== undefined || Object.keys(caps.perBackend).length > 0 || caps.daily !== undefined;
  const budget = capped || opts.daily
    ? createBudgetLedger({ caps, estimate: (d, records) => model.batchCost(d, records, rates), daily, runCapName: opts.maxCostUsd !== undefined ? '--max-cost' : 'budgets.run' })
    : undefined;
  return { budget, estimate };
}
