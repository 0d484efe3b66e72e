import type { DatasetPlan } from './column-plan.js';
import { addHash, hashNumber, hashString, HLL_REGISTERS } from './hll.js';
import { parseIsoDate } from './iso-date.js';

/** Distinct category values counted per column; the rest are counted as `other`. */
export const MAX_CATEGORIES = 64;
/** Buckets of a log sketch (numbers with no range in the spec); the rest count as `over`. */
export const MAX_SKETCH_BUCKETS = 512;
/** Relative width of a sketch bucket: bucket k holds (γ^(k-1), γ^k]. */
export const SKETCH_GAMMA = 1.1;
/** Array lengths counted one by one up to this; longer ones share the last count. */
export const MAX_ARRAY_LENGTH = 100;

/**
 * The figures a batch keeps per column in {@link BatchSummary.stats}, at `column * STATS + slot`.
 * Sums and counts add up over batches; MIN/MAX and LEN_MIN/LEN_MAX take the extreme; FK is 1
 * when the column's references were looked up.
 */
export const STAT = {
  N: 0, NULLS: 1,
  /** Finite numbers seen (the column has number stats when > 0). */
  NUMS: 2, MIN: 3, MAX: 4, SUM: 5, SUM_SQ: 6, UNDER: 7, OVER: 8,
  /** Text or array lengths seen. */
  LENS: 9, LEN_MIN: 10, LEN_MAX: 11, LEN_SUM: 12,
  /** Arrays seen (the column has counts by length when > 0). */
  ARRAYS: 13,
  FK: 14, FK_CHECKED: 15, FK_MISSING: 16,
  /** Category values past MAX_CATEGORIES. */
  OTHER: 17,
} as const;
export const STATS = 18;

/**
 * A batch's summary, made where the records are and merged by the committer. Typed arrays and
 * short lists, sized by the plan (a few KB whatever the batch's size), so it crosses threads
 * cheaply; `batchSummaryToJson` carries it between farm processes.
 */
export interface BatchSummary {
  records: number;
  /** STATS figures per column (see {@link STAT}). */
  stats: Float64Array;
  /** Fixed-bin counts of binned columns and counts by array length, at the layout's `binAt`. */
  counts: Float64Array;
  /** HyperLogLog registers, HLL_REGISTERS per column at the layout's `hllAt` (arrays have none). */
  hll: Uint8Array;
  /** Per column, its category values (first seen first) and their counts; null when none. */
  cats: Array<{ keys: string[]; counts: number[] } | null>;
  /** Per column, its log-sketch buckets (see {@link sketchCode}) and their counts; null when none. */
  sketch: Array<{ keys: number[]; counts: number[] } | null>;
  /** Per pair of correlated columns: n, Σx, Σy, Σx², Σy², Σxy (as DatasetSummary.corr). */
  corr: Float64Array;
}

/** Where each column's figures sit in a {@link BatchSummary}; decided by the plan alone. */
export interface SummaryLayout {
  /** Offset in `counts` of the column's bins or lengths, or -1. */
  binAt: Int32Array;
  /** Counts of those bins (array lengths: MAX_ARRAY_LENGTH + 1). */
  binN: Int32Array;
  /** Offset in `hll` of the column's registers, or -1. */
  hllAt: Int32Array;
  counts: number;
  hll: number;
  /** Correlated pairs. */
  pairs: number;
}

export function summaryLayout(plan: DatasetPlan): SummaryLayout {
  const n = plan.columns.length;
  const l: SummaryLayout = { binAt: new Int32Array(n).fill(-1), binN: new Int32Array(n), hllAt: new Int32Array(n).fill(-1), counts: 0, hll: 0, pairs: (plan.correlated.length * (plan.correlated.length - 1)) / 2 };
  plan.columns.forEach((c, i) => {
    const bins = c.type === 'array' ? MAX_ARRAY_LENGTH + 1 : (c.type === 'number' || c.type === 'date') && c.bins ? c.bins.n : 0;
    if (bins) {
      l.binAt[i] = l.counts;
      l.binN[i] = bins;
      l.counts += bins;
    }
    if (c.type !== 'array') {
      l.hllAt[i] = l.hll;
      l.hll += HLL_REGISTERS;
    }
  });
  return l;
}

/**
 * The values of a referenced column (`dataset.field`), to check foreign keys against; undefined
 * when not known here. A Set will do: its `has` is called once per value, directly.
 */
export type RefLookup = (ref: string) => { has(v: unknown): boolean } | undefined;

/** Summarizes records one at a time; `done()` gives the batch's summary. */
export interface Summarizer {
  add(record: Record<string, unknown>): void;
  done(): BatchSummary;
}

/**
 * One column as the summarizer walks it: a single shape for every kind, so the handlers below
 * see one hidden class. Each kind has its own small handler, called through `add`: the call is
 * not inlined, so the JIT compiles a few small functions once per thread instead of one large
 * one again each time a dataset reaches a branch it had not seen (that recompiling, not the
 * arithmetic, was most of the summaries' cost).
 */
class Column {
  // Every field keeps one type from construction (no null that later becomes a Map): a field
  // whose type widens deprecates the hidden class and throws away the optimized code using it.
  // The empty maps are shared until a value comes (most columns never need one).
  cats: Map<string, number> = NO_CATS;
  sketch: Map<number, number> = NO_SKETCH;
  readonly add: (c: Column, v: unknown) => void;
  /** First path segment, and the rest (empty for a top-level column). */
  readonly key: string;
  readonly rest: string[];
  /** Offset of the column's STATS in `stats`. */
  readonly at: number;
  readonly hllAt: number;
  readonly binAt: number;
  readonly lo: number;
  readonly width: number;
  readonly bins: number;
  /** Arrays: count elements as categories. */
  readonly ofCats: boolean;
  /** Index among the correlated columns, or -1. */
  readonly corr: number;
  /** `ref` columns whose referenced values are known here: check each value in `refs`. */
  readonly fk: boolean;
  constructor(
    t: ColumnTemplate,
    readonly stats: Float64Array,
    readonly counts: Float64Array,
    readonly hll: Uint8Array,
    readonly refs: { has(v: unknown): boolean },
  ) {
    this.add = t.add;
    this.key = t.key;
    this.rest = t.rest;
    this.at = t.at;
    this.hllAt = t.hllAt;
    this.binAt = t.binAt;
    this.lo = t.lo;
    this.width = t.width;
    this.bins = t.bins;
    this.ofCats = t.ofCats;
    this.corr = t.corr;
    this.fk = refs !== NO_REFS;
  }
}

const NO_CATS = new Map<string, number>();
const NO_SKETCH = new Map<number, number>();
const NO_REFS = new Set<unknown>();

/** What a plan's column needs in every batch, worked out once per plan. */
type ColumnTemplate = Pick<Column, 'add' | 'key' | 'rest' | 'at' | 'hllAt' | 'binAt' | 'lo' | 'width' | 'bins' | 'ofCats' | 'corr'> & { ref: string | undefined };

interface Prepared {
  layout: SummaryLayout;
  columns: ColumnTemplate[];
  /** A batch's STATS before its first record (minimums +Infinity, maximums -Infinity). */
  stats: Float64Array;
}

/** Per plan: a batch's set-up runs once a batch, too rarely for the JIT, so it is kept short. */
const prepared = new WeakMap<DatasetPlan, Prepared>();

function prepare(plan: DatasetPlan): Prepared {
  let p = prepared.get(plan);
  if (p) return p;
  const layout = summaryLayout(plan);
  const stats = new Float64Array(plan.columns.length * STATS);
  const columns = plan.columns.map((c, i): ColumnTemplate => {
    const segs = c.path.split('.');
    const bins = (c.type === 'number' || c.type === 'date') && c.bins ? c.bins : undefined;
    const at = i * STATS;
    stats[at + STAT.MIN] = stats[at + STAT.LEN_MIN] = Infinity;
    stats[at + STAT.MAX] = stats[at + STAT.LEN_MAX] = -Infinity;
    return {
      add: HANDLERS[c.type], key: segs[0]!, rest: segs.slice(1), at, hllAt: layout.hllAt[i]!, binAt: layout.binAt[i]!,
      lo: bins?.lo ?? 0, width: bins?.width ?? 1, bins: bins ? bins.n : c.type === 'array' ? MAX_ARRAY_LENGTH + 1 : 0,
      ofCats: c.type === 'array' && !!c.of, corr: plan.correlated.indexOf(i), ref: 'ref' in c ? c.ref : undefined,
    };
  });
  prepared.set(plan, (p = { layout, columns, stats }));
  return p;
}

const HANDLERS = { number: onNumber, date: onDate, category: onCategory, text: onText, array: onArray, auto: onAuto } as const;

/**
 * Starts a batch's summary. Runs where the records are (a code thread, a farm worker, the model
 * stage's process), so the committer only merges small summaries in commit order: nothing is
 * re-read, and memory is bounded by the plan, not by the records. Every record is counted (no
 * sampling); the per-value work is a few arithmetic steps and at most one hash, with no allocation.
 */
export function createSummarizer(plan: DatasetPlan, refs?: RefLookup): Summarizer {
  const { layout, columns, stats: initial } = prepare(plan);
  const stats = initial.slice();
  const counts = new Float64Array(layout.counts);
  const hll = new Uint8Array(layout.hll);
  const cols: Column[] = [];
  for (const t of columns) {
    const known = (t.ref !== undefined && refs?.(t.ref)) || NO_REFS;
    if (known !== NO_REFS) stats[t.at + STAT.FK] = 1;
    cols.push(new Column(t, stats, counts, hll, known));
  }
  return new BatchSummarizer(cols, stats, counts, hll, new Float64Array(layout.pairs * 6), new Float64Array(plan.correlated.length));
}

/**
 * A class, not closures made per batch: a closure made anew for each batch would get its own
 * type feedback (V8 allocates a function's feedback lazily), so every batch's `add` would start
 * again in the interpreter and be optimized again. One method is warmed once per thread.
 */
class BatchSummarizer implements Summarizer {
  private records = 0;
  constructor(
    private readonly cols: Column[],
    private readonly stats: Float64Array,
    private readonly counts: Float64Array,
    private readonly hll: Uint8Array,
    private readonly corr: Float64Array,
    /** This record's values of the correlated columns (NaN for a non-number). */
    private readonly xs: Float64Array,
  ) {}

  add(record: Record<string, unknown>): void {
    this.records++;
    const { cols, stats, xs } = this;
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i]!;
      let v = record[c.key];
      if (c.rest.length) v = valueAt(v, c.rest);
      if (c.corr >= 0) xs[c.corr] = typeof v === 'number' ? v : NaN;
      if (v === null || v === undefined) {
        stats[c.at + STAT.NULLS]!++;
        continue;
      }
      stats[c.at + STAT.N]!++;
      if (c.fk) {
        stats[c.at + STAT.FK_CHECKED]!++;
        if (!c.refs.has(v)) stats[c.at + STAT.FK_MISSING]!++;
      }
      c.add(c, v);
    }
    if (xs.length > 1) addPairs(xs, this.corr);
  }

  done(): BatchSummary {
    const entries = <K>(m: Map<K, number>) => (m.size ? { keys: [...m.keys()], counts: [...m.values()] } : null);
    const { records, stats, counts, hll, corr, cols } = this;
    return { records, stats, counts, hll, cats: cols.map((c) => entries(c.cats)), sketch: cols.map((c) => entries(c.sketch)), corr };
  }
}

/** Adds a record's correlated values to the running sums of every pair where both are numbers. */
function addPairs(xs: Float64Array, corr: Float64Array): void {
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
}

function valueAt(v: unknown, segs: string[]): unknown {
  for (let i = 0; i < segs.length; i++) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[segs[i]!];
  }
  return v;
}

/** Adds a value of an unexpected type to the column's distinct count, by its text. */
function hashOther(c: Column, v: unknown): void {
  addHash(c.hll, c.hllAt, typeof v === 'number' ? hashNumber(v) : hashString(typeof v === 'string' ? v : String(v)));
}

function onNumber(c: Column, v: unknown): void {
  hashOther(c, v);
  if (typeof v === 'number') addNumber(c, v);
}

/** Dates count as their instant: the distinct count hashes the parsed time, not the text. */
function onDate(c: Column, v: unknown): void {
  const t = typeof v === 'string' ? parseIsoDate(v) : NaN;
  if (Number.isNaN(t)) return hashOther(c, v);
  addHash(c.hll, c.hllAt, hashNumber(t));
  addNumber(c, t);
}

function onCategory(c: Column, v: unknown): void {
  addCategory(c, v, typeof v === 'string' ? v : v === true ? 'true' : v === false ? 'false' : String(v), true);
}

function onText(c: Column, v: unknown): void {
  hashOther(c, v);
  if (typeof v === 'string') addLength(c, v.length);
}

function onArray(c: Column, v: unknown): void {
  if (!Array.isArray(v)) return;
  addLength(c, v.length);
  c.stats[c.at + STAT.ARRAYS]!++;
  c.counts[c.binAt + Math.min(v.length, MAX_ARRAY_LENGTH)]!++;
  if (c.ofCats) for (const x of v) if (x !== null && x !== undefined) addCategory(c, x, typeof x === 'string' ? x : String(x), false);
}

function onAuto(c: Column, v: unknown): void {
  if (typeof v === 'boolean') return addCategory(c, v, v ? 'true' : 'false', true);
  hashOther(c, v);
  if (typeof v === 'number') addNumber(c, v);
  else if (typeof v === 'string') addLength(c, v.length);
}

function addNumber(c: Column, x: number): void {
  if (!Number.isFinite(x)) return;
  const stats = c.stats;
  const at = c.at;
  stats[at + STAT.NUMS]!++;
  if (x < stats[at + STAT.MIN]!) stats[at + STAT.MIN] = x;
  if (x > stats[at + STAT.MAX]!) stats[at + STAT.MAX] = x;
  stats[at + STAT.SUM]! += x;
  stats[at + STAT.SUM_SQ]! += x * x;
  if (c.binAt >= 0) {
    const n = c.bins;
    let k = Math.floor((x - c.lo) / c.width);
    // The top edge belongs to the last bin (a uniform's max, a date range's last day).
    if (k === n && x <= c.lo + n * c.width * (1 + 1e-12)) k = n - 1;
    if (k < 0) stats[at + STAT.UNDER]!++;
    else if (k >= n) stats[at + STAT.OVER]!++;
    else c.counts[c.binAt + k]!++;
    return;
  }
  const code = sketchCode(x);
  if (c.sketch === NO_SKETCH) c.sketch = new Map();
  const sk = c.sketch;
  const seen = sk.get(code);
  if (seen !== undefined) sk.set(code, seen + 1);
  else if (sk.size < MAX_SKETCH_BUCKETS) sk.set(code, 1);
  else stats[at + STAT.OVER]!++;
}

const LOG_GAMMA = Math.log(SKETCH_GAMMA);
/** The sketch code of zero (bucket indexes stay far below it: |k| < 8,000 for any double). */
const ZERO_CODE = 1e9;

/**
 * The log-sketch bucket of `x` as a number: 2k for +γ^k buckets, 2k+1 for −γ^k ones, and
 * ZERO_CODE for zero (k = ceil(log_γ |x|)); {@link sketchKey} names it.
 */
export function sketchCode(x: number): number {
  if (x === 0) return ZERO_CODE;
  const k = Math.ceil(Math.log(Math.abs(x)) / LOG_GAMMA);
  return x < 0 ? 2 * k + 1 : 2 * k;
}

/** The name of a sketch bucket in report-data.json: `z` for zero, else ±k. */
export function sketchKey(code: number): string {
  if (code === ZERO_CODE) return 'z';
  return code % 2 === 0 ? String(code / 2) : `-${(code - 1) / 2}`;
}

/**
 * Counts a category value. With `distinct`, also adds it to the column's distinct count, but only
 * when the batch first sees it (or it is past the cap): a HyperLogLog sketch ignores repeats, so
 * the registers come out the same as hashing every value, for a fraction of the hashing.
 */
function addCategory(c: Column, v: unknown, key: string, distinct: boolean): void {
  if (c.cats === NO_CATS) c.cats = new Map();
  const m = c.cats;
  const seen = m.get(key);
  if (seen !== undefined) {
    m.set(key, seen + 1);
    return;
  }
  if (distinct) hashOther(c, v);
  if (m.size < MAX_CATEGORIES) m.set(key, 1);
  else c.stats[c.at + STAT.OTHER]!++;
}

function addLength(c: Column, n: number): void {
  const stats = c.stats;
  const at = c.at;
  stats[at + STAT.LENS]!++;
  if (n < stats[at + STAT.LEN_MIN]!) stats[at + STAT.LEN_MIN] = n;
  if (n > stats[at + STAT.LEN_MAX]!) stats[at + STAT.LEN_MAX] = n;
  stats[at + STAT.LEN_SUM]! += n;
}
