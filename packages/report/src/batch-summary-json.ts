import type { BatchSummary } from './batch-summary.js';

/** A {@link BatchSummary} as JSON can carry it (farm workers hand batches over through Redis). */
export interface BatchSummaryJson {
  records: number;
  /** Non-finite figures (an empty column's min is Infinity) as their names. */
  stats: Array<number | string>;
  counts: number[];
  /** Registers + 48, one character each (printable, so JSON does not escape them). */
  hll: string;
  cats: BatchSummary['cats'];
  sketch: BatchSummary['sketch'];
  corr: Array<number | string>;
}

const toJson = (xs: Float64Array) => Array.from(xs, (x) => (Number.isFinite(x) ? x : String(x)));
const fromJson = (xs: ReadonlyArray<number | string>) => Float64Array.from(xs, Number);

export function batchSummaryToJson(s: BatchSummary): BatchSummaryJson {
  return {
    records: s.records, stats: toJson(s.stats), counts: Array.from(s.counts),
    hll: Buffer.from(s.hll.map((r) => r + 48)).toString('latin1'), cats: s.cats, sketch: s.sketch, corr: toJson(s.corr),
  };
}

/** The inverse of {@link batchSummaryToJson}. */
export function batchSummaryFromJson(j: BatchSummaryJson): BatchSummary {
  return {
    records: j.records, stats: fromJson(j.stats), counts: Float64Array.from(j.counts),
    hll: Uint8Array.from(Buffer.from(j.hll, 'latin1'), (c) => c - 48), cats: j.cats, sketch: j.sketch, corr: fromJson(j.corr),
  };
}
