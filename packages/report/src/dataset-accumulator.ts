import { MAX_CATEGORIES, MAX_SKETCH_BUCKETS, sketchKey, STAT, STATS, summaryLayout, type BatchSummary } from './batch-summary.js';
import type { DatasetPlan } from './column-plan.js';
import type { ColumnSummary, DatasetSummary } from './dataset-summary.js';
import { mergeRegisters, registersToText } from './hll.js';

/** Adds up the summaries of a dataset's committed batches, in commit order. */
export interface DatasetAccumulator {
  add(batch: BatchSummary): void;
  /**
   * Takes a summary's records back out: counts, sums, bins and categories. Extremes and distinct
   * counts stay (a record replaced by a uniqueness redraw held a value another record holds).
   */
  subtract(batch: BatchSummary): void;
  /**
   * A text column's value `before` became `after` (same record, still non-null): its lengths
   * change; the shortest and longest stay as extremes do in {@link subtract}. Only for a column
   * that is not sketched (its distinct count is its count).
   */
  replaceText(column: number, before: string, after: string): void;
  /** The dataset's summary so far (a copy the caller may keep). */
  summary(): DatasetSummary;
}

/**
 * A dataset's running summary: each batch's is merged as it arrives and dropped, so memory is
 * the plan's typed arrays and capped lists, whatever the record count.
 */
export function createDatasetAccumulator(plan: DatasetPlan): DatasetAccumulator {
  const layout = summaryLayout(plan);
  const ncols = plan.columns.length;
  const stats = new Float64Array(ncols * STATS);
  const counts = new Float64Array(layout.counts);
  const hll = new Uint8Array(layout.hll);
  const corr = new Float64Array(layout.pairs * 6);
  const cats: Array<Map<string, number> | undefined> = [];
  const sketch: Array<Map<number, number> | undefined> = [];
  for (let at = 0; at < stats.length; at += STATS) {
    stats[at + STAT.MIN] = stats[at + STAT.LEN_MIN] = Infinity;
    stats[at + STAT.MAX] = stats[at + STAT.LEN_MAX] = -Infinity;
  }
  // Where each kind of figure sits in `stats`: added up, or the extreme kept (FK is a flag).
  const slots = (ks: number[]) => Int32Array.from({ length: ncols * ks.length }, (_, i) => Math.floor(i / ks.length) * STATS + ks[i % ks.length]!);
  const extremes: number[] = [STAT.MIN, STAT.LEN_MIN, STAT.MAX, STAT.LEN_MAX, STAT.FK];
  const sums = slots(Array.from({ length: STATS }, (_, k) => k).filter((k) => !extremes.includes(k)));
  const mins = slots([STAT.MIN, STAT.LEN_MIN]);
  const maxes = slots([STAT.MAX, STAT.LEN_MAX, STAT.FK]);
  let records = 0;
  let batches = 0;
  return {
    // Each step is a small loop over a whole array, the same for every batch and dataset: the
    // committer runs it ~50 times in a run like the loadtest's, and a large function with
    // every step in it was worth compiling (~20 ms) while these are not, or cheaply.
    add(b) {
      batches++;
      records += b.records;
      addInto(corr, b.corr);
      addAt(stats, b.stats, sums);
      minAt(stats, b.stats, mins);
      maxAt(stats, b.stats, maxes);
      addInto(counts, b.counts);
      // A column without values in the batch has empty registers: merging them changes nothing.
      mergeRegisters(hll, b.hll);
      for (let i = 0; i < ncols; i++) {
        const c = b.cats[i];
        if (c) mergeCapped((cats[i] ??= new Map()), c.keys, c.counts, MAX_CATEGORIES, stats, i * STATS + STAT.OTHER);
        const s = b.sketch[i];
        if (s) mergeCapped((sketch[i] ??= new Map()), s.keys, s.counts, MAX_SKETCH_BUCKETS, stats, i * STATS + STAT.OVER);
      }
    },
    subtract(b) {
      records -= b.records;
      subInto(corr, b.corr);
      subAt(stats, b.stats, sums);
      subInto(counts, b.counts);
      for (let i = 0; i < ncols; i++) {
        const c = b.cats[i];
        if (c) unmergeCapped(cats[i], c.keys, c.counts, stats, i * STATS + STAT.OTHER);
        const s = b.sketch[i];
        if (s) unmergeCapped(sketch[i], s.keys, s.counts, stats, i * STATS + STAT.OVER);
      }
    },
    replaceText(column, before, after) {
      const at = column * STATS;
      stats[at + STAT.LEN_SUM]! += after.length - before.length;
      if (after.length < stats[at + STAT.LEN_MIN]!) stats[at + STAT.LEN_MIN] = after.length;
      if (after.length > stats[at + STAT.LEN_MAX]!) stats[at + STAT.LEN_MAX] = after.length;
    },
    summary() {
      if (!batches) return { records: 0, columns: [], corr: [] };
      const columns = plan.columns.map((_, i) => {
        const at = i * STATS;
        const s = (k: number) => stats[at + k]!;
        const col: ColumnSummary = { n: s(STAT.N), nulls: s(STAT.NULLS) };
        if (s(STAT.NUMS) > 0) {
          const binAt = layout.binAt[i]!;
          col.num = {
            min: s(STAT.MIN), max: s(STAT.MAX), sum: s(STAT.SUM), sumSq: s(STAT.SUM_SQ), under: s(STAT.UNDER), over: s(STAT.OVER),
            ...(binAt >= 0 ? { bins: Array.from(counts.subarray(binAt, binAt + layout.binN[i]!)) } : { sketch: Object.fromEntries([...(sketch[i] ?? [])].map(([k, v]) => [sketchKey(k), v])) }),
          };
        }
        if (cats[i]) col.cats = { counts: Object.fromEntries(cats[i]!), other: s(STAT.OTHER) };
        if (s(STAT.LENS) > 0) col.len = { min: s(STAT.LEN_MIN), max: s(STAT.LEN_MAX), sum: s(STAT.LEN_SUM) };
        if (s(STAT.ARRAYS) > 0) {
          const l = counts.subarray(layout.binAt[i]!, layout.binAt[i]! + layout.binN[i]!);
          let last = l.length - 1;
          while (last > 0 && !l[last]) last--;
          col.lengths = Array.from(l.subarray(0, last + 1));
        }
        if (s(STAT.FK)) col.fk = { checked: s(STAT.FK_CHECKED), missing: s(STAT.FK_MISSING) };
        if (layout.hllAt[i]! >= 0 && col.n > 0) col.hll = registersToText(hll, layout.hllAt[i]!);
        return col;
      });
      return { records, columns, corr: Array.from(corr) };
    },
  };
}

/** Adds counts by key into `into`, keeping at most `cap` keys; the rest go to `stats[overflow]`. */
function mergeCapped<K>(into: Map<K, number>, keys: readonly K[], counts: readonly number[], cap: number, stats: Float64Array, overflow: number): void {
  for (let k = 0; k < keys.length; k++) {
    const seen = into.get(keys[k]!);
    if (seen !== undefined) into.set(keys[k]!, seen + counts[k]!);
    else if (into.size < cap) into.set(keys[k]!, counts[k]!);
    else stats[overflow]! += counts[k]!;
  }
}

/** Takes counts by key back out of `into` (a key at 0 goes); a key it never kept was counted in `stats[overflow]`. */
function unmergeCapped<K>(into: Map<K, number> | undefined, keys: readonly K[], counts: readonly number[], stats: Float64Array, overflow: number): void {
  for (let k = 0; k < keys.length; k++) {
    const seen = into?.get(keys[k]!);
    if (seen === undefined) stats[overflow]! -= counts[k]!;
    else if (seen - counts[k]! > 0) into!.set(keys[k]!, seen - counts[k]!);
    else into!.delete(keys[k]!);
  }
}

function subInto(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i]! -= from[i]!;
}

function subAt(into: Float64Array, from: Float64Array, at: Int32Array): void {
  for (let i = 0; i < at.length; i++) into[at[i]!]! -= from[at[i]!]!;
}

function addInto(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += from[i]!;
}

function addAt(into: Float64Array, from: Float64Array, at: Int32Array): void {
  for (let i = 0; i < at.length; i++) into[at[i]!]! += from[at[i]!]!;
}

function minAt(into: Float64Array, from: Float64Array, at: Int32Array): void {
  for (let i = 0; i < at.length; i++) if (from[at[i]!]! < into[at[i]!]!) into[at[i]!] = from[at[i]!]!;
}

function maxAt(into: Float64Array, from: Float64Array, at: Int32Array): void {
  for (let i = 0; i < at.length; i++) if (from[at[i]!]! > into[at[i]!]!) into[at[i]!] = from[at[i]!]!;
}
