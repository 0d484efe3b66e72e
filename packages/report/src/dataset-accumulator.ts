import type { ColumnSummary, DatasetSummary } from './batch-summary.js';
import { MAX_CATEGORIES, MAX_SKETCH_BUCKETS } from './batch-summary.js';
import { mergeText, newRegisters, registersToText } from './hll.js';

/** Adds up the summaries of a dataset's committed batches, in commit order. */
export interface DatasetAccumulator {
  add(batch: DatasetSummary): void;
  /** The dataset's summary so far (a copy the caller may keep). */
  summary(): DatasetSummary;
}

/** A dataset's running summary: memory bounded by its columns' caps, whatever its record count. */
export function createDatasetAccumulator(): DatasetAccumulator {
  let acc: DatasetSummary | undefined;
  let regs: Array<Uint8Array | undefined> = [];
  return {
    add(b) {
      if (!acc) {
        acc = { records: 0, columns: b.columns.map(() => ({ n: 0, nulls: 0 })), corr: b.corr.map(() => 0) };
        regs = b.columns.map(() => undefined);
      }
      acc.records += b.records;
      b.corr.forEach((v, i) => (acc!.corr[i] = (acc!.corr[i] ?? 0) + v));
      b.columns.forEach((c, i) => {
        const into = (acc!.columns[i] ??= { n: 0, nulls: 0 });
        mergeColumn(into, c);
        if (c.hll) mergeText((regs[i] ??= newRegisters()), c.hll);
      });
    },
    summary() {
      if (!acc) return { records: 0, columns: [], corr: [] };
      return { ...acc, columns: acc.columns.map((c, i) => (regs[i] ? { ...c, hll: registersToText(regs[i]!) } : { ...c })) };
    },
  };
}

function mergeColumn(into: ColumnSummary, c: ColumnSummary): void {
  into.n += c.n;
  into.nulls += c.nulls;
  if (c.num) {
    const m = c.num;
    if (!into.num) into.num = { ...m, ...(m.bins ? { bins: [...m.bins] } : {}), ...(m.sketch ? { sketch: { ...m.sketch } } : {}) };
    else {
      const t = into.num;
      t.min = Math.min(t.min, m.min);
      t.max = Math.max(t.max, m.max);
      t.sum += m.sum;
      t.sumSq += m.sumSq;
      t.under += m.under;
      t.over += m.over;
      if (m.bins && t.bins) m.bins.forEach((v, k) => (t.bins![k] = (t.bins![k] ?? 0) + v));
      if (m.sketch) {
        const sk = (t.sketch ??= {});
        for (const [k, v] of Object.entries(m.sketch)) {
          if (Object.hasOwn(sk, k)) sk[k]! += v;
          else if (Object.keys(sk).length < MAX_SKETCH_BUCKETS) sk[k] = v;
          else t.over += v;
        }
      }
    }
  }
  if (c.cats) {
    const t = (into.cats ??= { counts: {}, other: 0 });
    t.other += c.cats.other;
    for (const [k, v] of Object.entries(c.cats.counts)) {
      if (Object.hasOwn(t.counts, k)) t.counts[k]! += v;
      else if (Object.keys(t.counts).length < MAX_CATEGORIES) t.counts[k] = v;
      else t.other += v;
    }
  }
  if (c.len) {
    if (!into.len) into.len = { ...c.len };
    else {
      into.len.min = Math.min(into.len.min, c.len.min);
      into.len.max = Math.max(into.len.max, c.len.max);
      into.len.sum += c.len.sum;
    }
  }
  if (c.lengths) {
    const t = (into.lengths ??= []);
    c.lengths.forEach((v, k) => (t[k] = (t[k] ?? 0) + v));
    for (let k = 0; k < t.length; k++) t[k] ??= 0;
  }
  if (c.fk) {
    const t = (into.fk ??= { checked: 0, missing: 0 });
    t.checked += c.fk.checked;
    t.missing += c.fk.missing;
  }
}
