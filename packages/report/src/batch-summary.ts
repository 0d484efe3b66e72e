import type { ColumnPlan, DatasetPlan } from './column-plan.js';
import { addValue, newRegisters, registersToText } from './hll.js';

/** Distinct category values counted per column; the rest are counted as `other`. */
export const MAX_CATEGORIES = 64;
/** Buckets of a log sketch (numbers with no range in the spec); the rest count as `over`. */
export const MAX_SKETCH_BUCKETS = 512;
/** Relative width of a sketch bucket: bucket k holds (γ^(k-1), γ^k]. */
export const SKETCH_GAMMA = 1.1;
/** Array lengths counted one by one up to this; longer ones share the last count. */
const MAX_ARRAY_LENGTH = 100;

/** Numbers (dates as epoch ms) of a column. */
export interface NumberStats {
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  /** Counts per fixed bin of the plan's `bins`. */
  bins?: number[];
  /** Values below / above the bins (or past the sketch's bucket cap). */
  under: number;
  over: number;
  /** Log-bucket counts when the plan has no bins: key `k` (positive), `-k` (negative), `z` (zero). */
  sketch?: Record<string, number>;
}

/**
 * What a batch (and, merged, a dataset) adds to one column's summary. Plain JSON: it crosses
 * thread and process boundaries inside a batch's output, and is written to report-data.json.
 */
export interface ColumnSummary {
  /** Non-null values. */
  n: number;
  nulls: number;
  /** HyperLogLog registers of the non-null values (see hll.ts); absent for arrays. */
  hll?: string;
  num?: NumberStats;
  /** Category counts (at most MAX_CATEGORIES values) and the count of values past the cap. */
  cats?: { counts: Record<string, number>; other: number };
  /** Text lengths, or array lengths. */
  len?: { min: number; max: number; sum: number };
  /** Arrays: counts by length (index = length). */
  lengths?: number[];
  /** `ref` columns: values looked up in the referenced column, and how many were missing. */
  fk?: { checked: number; missing: number };
}

/** A batch's (or a dataset's) summary: one entry per plan column, and correlation sums. */
export interface DatasetSummary {
  /** Records summarized (the written ones). */
  records: number;
  columns: ColumnSummary[];
  /**
   * Per pair (i < j) of the plan's correlated columns, in row-major order: n, Σx, Σy, Σx², Σy², Σxy
   * over records where both are numbers.
   */
  corr: number[];
}

/** Looks up whether a value exists in a referenced column (`dataset.field`); undefined when not known here. */
export type RefLookup = (ref: string) => ((v: unknown) => boolean) | undefined;

/** Summarizes records one at a time; `done()` gives the batch's summary. */
export interface Summarizer {
  add(record: Record<string, unknown>): void;
  done(): DatasetSummary;
}

interface Acc {
  plan: ColumnPlan;
  segs: string[];
  s: ColumnSummary;
  reg?: Uint8Array;
  has?: ((v: unknown) => boolean) | undefined;
}

/**
 * Starts a batch's summary. Runs where the records are (a code thread, a farm worker, the model
 * stage's process), so the committer only merges small summaries in commit order: nothing is
 * re-read, and memory is bounded by the plan, not by the records.
 */
export function createSummarizer(plan: DatasetPlan, refs?: RefLookup): Summarizer {
  const accs: Acc[] = plan.columns.map((c) => {
    const s: ColumnSummary = { n: 0, nulls: 0 };
    const a: Acc = { plan: c, segs: c.path.split('.'), s };
    if (c.type !== 'array') a.reg = newRegisters();
    if ('ref' in c && c.ref) {
      a.has = refs?.(c.ref);
      if (a.has) s.fk = { checked: 0, missing: 0 };
    }
    return a;
  });
  const corrCols = plan.correlated;
  const pairs = (corrCols.length * (corrCols.length - 1)) / 2;
  const corr = new Array<number>(pairs * 6).fill(0);
  const xs = new Array<number>(corrCols.length);
  let records = 0;
  return {
    add(record) {
      records++;
      for (const a of accs) addColumn(a, valueAt(record, a.segs));
      if (pairs === 0) return;
      for (let i = 0; i < corrCols.length; i++) {
        const v = valueAt(record, accs[corrCols[i]!]!.segs);
        xs[i] = typeof v === 'number' ? v : NaN;
      }
      let p = 0;
      for (let i = 0; i < xs.length; i++) {
        for (let j = i + 1; j < xs.length; j++, p += 6) {
          const x = xs[i]!;
          const y = xs[j]!;
          if (Number.isNaN(x) || Number.isNaN(y)) continue;
          corr[p]! += 1;
          corr[p + 1]! += x;
          corr[p + 2]! += y;
          corr[p + 3]! += x * x;
          corr[p + 4]! += y * y;
          corr[p + 5]! += x * y;
        }
      }
    },
    done() {
      return { records, columns: accs.map((a) => (a.reg && a.s.n ? { ...a.s, hll: registersToText(a.reg) } : a.s)), corr };
    },
  };
}

function valueAt(r: Record<string, unknown>, segs: string[]): unknown {
  let v: unknown = r;
  for (const s of segs) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

function addColumn(a: Acc, v: unknown): void {
  const s = a.s;
  if (v === null || v === undefined) {
    s.nulls++;
    return;
  }
  s.n++;
  const c = a.plan;
  if (a.reg) addValue(a.reg, v);
  if (a.has && s.fk) {
    s.fk.checked++;
    if (!a.has(v)) s.fk.missing++;
  }
  switch (c.type) {
    case 'number':
      if (typeof v === 'number') addNumber(s, v, c.bins);
      break;
    case 'date': {
      const t = typeof v === 'string' ? Date.parse(v) : NaN;
      if (!Number.isNaN(t)) addNumber(s, t, c.bins);
      break;
    }
    case 'category':
      addCategory(s, String(v));
      break;
    case 'text':
      if (typeof v === 'string') addLength(s, v.length);
      break;
    case 'array':
      if (Array.isArray(v)) {
        addLength(s, v.length);
        const lengths = (s.lengths ??= []);
        const k = Math.min(v.length, MAX_ARRAY_LENGTH);
        while (lengths.length <= k) lengths.push(0);
        lengths[k]!++;
        if (c.of) for (const x of v) if (x !== null && x !== undefined) addCategory(s, String(x));
      }
      break;
    case 'auto':
      if (typeof v === 'number') addNumber(s, v, undefined);
      else if (typeof v === 'boolean') addCategory(s, String(v));
      else if (typeof v === 'string') addLength(s, v.length);
      break;
  }
}

function addNumber(s: ColumnSummary, x: number, bins: { lo: number; width: number; n: number } | undefined): void {
  if (!Number.isFinite(x)) return;
  const m = (s.num ??= { min: x, max: x, sum: 0, sumSq: 0, under: 0, over: 0, ...(bins ? { bins: new Array<number>(bins.n).fill(0) } : { sketch: {} }) });
  if (x < m.min) m.min = x;
  if (x > m.max) m.max = x;
  m.sum += x;
  m.sumSq += x * x;
  if (bins) {
    let k = Math.floor((x - bins.lo) / bins.width);
    // The top edge belongs to the last bin (a uniform's max, a date range's last day).
    if (k === bins.n && x <= bins.lo + bins.n * bins.width * (1 + 1e-12)) k = bins.n - 1;
    if (k < 0) m.under++;
    else if (k >= bins.n) m.over++;
    else m.bins![k]!++;
    return;
  }
  const key = sketchKey(x);
  const sk = m.sketch!;
  if (Object.hasOwn(sk, key)) sk[key]!++;
  else if (Object.keys(sk).length < MAX_SKETCH_BUCKETS) sk[key] = 1;
  else m.over++;
}

/** The log-sketch bucket of `x`: `z` for zero, else ±ceil(log_γ |x|). */
export function sketchKey(x: number): string {
  if (x === 0) return 'z';
  const k = Math.ceil(Math.log(Math.abs(x)) / Math.log(SKETCH_GAMMA));
  return x < 0 ? `-${k}` : String(k);
}

function addCategory(s: ColumnSummary, key: string): void {
  const c = (s.cats ??= { counts: {}, other: 0 });
  if (Object.hasOwn(c.counts, key)) c.counts[key]!++;
  else if (Object.keys(c.counts).length < MAX_CATEGORIES) c.counts[key] = 1;
  else c.other++;
}

function addLength(s: ColumnSummary, n: number): void {
  const l = (s.len ??= { min: n, max: n, sum: 0 });
  if (n < l.min) l.min = n;
  if (n > l.max) l.max = n;
  l.sum += n;
}
