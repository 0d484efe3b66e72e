import type { RunRecord } from './run-record.js';

/** Calls, tokens and USD over all backends. */
export interface UsageTotals {
  calls: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
}

/** What `synthfarm plan` predicted for a run, and the rates it assumed (DESIGN §8). */
export interface RunEstimate extends UsageTotals {
  rates: { invalidRate: number; defectRate: number; from: string };
}

/**
 * The manifest's `estimate` section: the plan's figures next to what the run made, with the
 * relative error of each ((estimated − actual) / actual; null when the run made none).
 */
export interface EstimateReport {
  rates: RunEstimate['rates'];
  estimated: UsageTotals;
  actual: UsageTotals;
  relativeError: Record<keyof UsageTotals, number | null>;
}

/** Compares a run's estimate with its record (every backend's calls, tokens and cost; cache hits cost nothing). */
export function estimateReport(estimate: RunEstimate, record: RunRecord): EstimateReport {
  const actual: UsageTotals = { calls: 0, tokensIn: 0, tokensOut: 0, cost: 0 };
  for (const b of Object.values(record.backends)) {
    actual.calls += b.calls;
    actual.tokensIn += b.tokensIn;
    actual.tokensOut += b.tokensOut;
    actual.cost += b.cost;
  }
  actual.cost = Math.round(actual.cost * 1e8) / 1e8;
  const { rates, ...estimated } = estimate;
  const err = (k: keyof UsageTotals) => (actual[k] ? Math.round(((estimated[k] - actual[k]) / actual[k]) * 1e4) / 1e4 : null);
  return { rates, estimated, actual, relativeError: { calls: err('calls'), tokensIn: err('tokensIn'), tokensOut: err('tokensOut'), cost: err('cost') } };
}
