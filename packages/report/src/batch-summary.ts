import type { ColumnPlan, DatasetPlan } from './column-plan.js';
import { addHash, hashNumber, hashString, HLL_BITS, HLL_REGISTERS } from './hll.js';
import { parseIsoDates } from './iso-date.js';

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
    // A column whose values are all distinct has its count for its distinct count: no sketch.
    const known = c.allDistinct && (c.type === 'number' || c.type === 'date' || c.type === 'text');
    if (c.type !== 'array' && !known) {
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

/** What a plan's column needs in every batch, worked out once per plan. */
interface ColumnTemplate {
  type: ColumnPlan['type'];
  /** First path segment, and the rest (empty for a top-level column). */
  key: string;
  rest: string[];
  /** Offset of the column's STATS in `stats`. */
  at: number;
  hllAt: number;
  binAt: number;
  lo: number;
  width: number;
  bins: number;
  /** Arrays: count elements as categories. */
  ofCats: boolean;
  /** Index among the correlated columns, or -1. */
  corr: number;
  ref: string | undefined;
}

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
      type: c.type, key: segs[0]!, rest: segs.slice(1), at, hllAt: layout.hllAt[i]!, binAt: layout.binAt[i]!,
      lo: bins?.lo ?? 0, width: bins?.width ?? 1, bins: bins ? bins.n : c.type === 'array' ? MAX_ARRAY_LENGTH + 1 : 0,
      ofCats: c.type === 'array' && !!c.of, corr: plan.correlated.indexOf(i), ref: 'ref' in c ? c.ref : undefined,
    };
  });
  prepared.set(plan, (p = { layout, columns, stats }));
  return p;
}

/**
 * Per plan column, the instants of a date column's values as the generator wrote them (NaN where
 * a record's value is not a date text), one per record; undefined for a column whose dates are
 * to be parsed from their text. See GenContext.setInstant in @synthfarm/codegen.
 */
export type BatchInstants = ReadonlyArray<Float64Array | undefined>;

/**
 * Buffers of summaries already merged ({@link releaseSummary}), by size, for the next batches'
 * summaries. A batch's figures (stats, counts, correlation sums, distinct-count registers) share
 * one buffer, ~14 KB for the loadtest's customers: a typed array that large has its memory
 * outside V8's heap, and memory fresh from the system costs a page fault per 4 KB on first touch
 * (~12 µs each on these machines; a new 14 KB buffer took ~40 µs in a micro-benchmark, and an
 * embedded run makes a summary per 250-record batch). Where the summaries are merged by the
 * thread that makes them (an inline run), a few buffers go round.
 */
const spareBuffers = new Map<number, ArrayBuffer[]>();
const MAX_SPARE_BUFFERS = 8;

/** A zeroed buffer of `bytes` for a batch's figures: a spare one when there is one. */
function summaryBuffer(bytes: number): ArrayBuffer {
  const spare = spareBuffers.get(bytes)?.pop();
  if (!spare) return new ArrayBuffer(bytes);
  new Uint8Array(spare).fill(0);
  return spare;
}

/**
 * Hands a summary's buffer back once its figures are merged and nothing reads the summary
 * again: the next summary made by this thread may reuse it. A summary not made here (cloned
 * from another thread, read from JSON) does no harm: its buffer is reused or dropped alike.
 */
export function releaseSummary(s: BatchSummary): void {
  const buffer = s.stats.buffer;
  if (!(buffer instanceof ArrayBuffer) || s.stats.byteOffset !== 0 || s.hll.buffer !== buffer) return;
  let list = spareBuffers.get(buffer.byteLength);
  if (!list) spareBuffers.set(buffer.byteLength, (list = []));
  if (list.length < MAX_SPARE_BUFFERS) list.push(buffer);
}

/** A batch's column values, reused by every column and batch of the thread (grown, never shrunk). */
const values: unknown[] = [];
/** A column's numbers (dates as their instant), NaN where there is none. */
let numbers = new Float64Array(1024);
/**
 * A run's values of the plan's correlated columns, in their order (only the first
 * `plan.correlated.length` are read): like `values`, reused by every batch of the thread. Made
 * per batch, they were two typed arrays per 250-record batch, each allocated outside the heap.
 */
const correlatedValues: Float64Array[] = [];

/** Category values and their counts so far, with the map that finds a value once there are many. */
interface CatState {
  keys: string[];
  counts: number[];
  slots: Map<string, number>;
}

/** Log-sketch buckets so far. */
interface SketchState {
  codes: Map<number, number>;
  keys: number[];
  counts: number[];
}

/** Booleans of an auto column so far: counts, and which was seen first ('' for none). */
interface AutoState {
  t: number;
  f: number;
  first: string;
}

/**
 * A batch's summary made run by run: `add` the batch's records a run at a time (in order), then
 * `done`. Every running figure (sums, extremes, category lists, sketches) carries over from one
 * run to the next exactly as within one loop, so the summary is the same, bit for bit, whatever
 * the runs — and a batch's records need not be kept alive until its end.
 */
export class BatchSummarizer {
  readonly #plan: DatasetPlan;
  readonly #refs: RefLookup | undefined;
  readonly #columns: ColumnTemplate[];
  #records = 0;
  readonly #stats: Float64Array;
  readonly #counts: Float64Array;
  readonly #hll: Uint8Array;
  readonly #corr: Float64Array;
  readonly #cats: Array<CatState | undefined>;
  readonly #sketch: Array<SketchState | undefined>;
  readonly #auto: Array<AutoState | undefined>;

  constructor(plan: DatasetPlan, refs?: RefLookup) {
    const { layout, columns, stats } = prepare(plan);
    this.#plan = plan;
    this.#refs = refs;
    this.#columns = columns;
    const f64 = stats.length + layout.counts + layout.pairs * 6;
    const buffer = summaryBuffer(f64 * 8 + layout.hll);
    this.#stats = new Float64Array(buffer, 0, stats.length);
    this.#stats.set(stats);
    this.#counts = new Float64Array(buffer, stats.length * 8, layout.counts);
    this.#corr = new Float64Array(buffer, (stats.length + layout.counts) * 8, layout.pairs * 6);
    this.#hll = new Uint8Array(buffer, f64 * 8, layout.hll);
    this.#cats = new Array<CatState | undefined>(columns.length).fill(undefined);
    this.#sketch = new Array<SketchState | undefined>(columns.length).fill(undefined);
    this.#auto = new Array<AutoState | undefined>(columns.length).fill(undefined);
  }

  /**
   * Adds the next `n` records (`records[0..n)`) of the batch; `instants` as for
   * {@link summarizeBatch}, one per record of this run.
   */
  add(records: ReadonlyArray<Record<string, unknown>>, n: number = records.length, instants?: BatchInstants): void {
    this.#add(records, undefined, n, instants);
  }

  /**
   * As {@link add}, with the run's records already as the plan's columns (`columns[i][0..n)`,
   * as a {@link import('./column-filler.js').ColumnFiller} writes them): nothing is read from a
   * record here.
   */
  addColumns(columns: ReadonlyArray<unknown[]>, n: number, instants?: BatchInstants): void {
    this.#add(undefined, columns, n, instants);
  }

  #add(records: ReadonlyArray<Record<string, unknown>> | undefined, columns: ReadonlyArray<unknown[]> | undefined, n: number, instants: BatchInstants | undefined): void {
    const stats = this.#stats;
    const counts = this.#counts;
    const hll = this.#hll;
    const corr = this.#corr;
    const templates = this.#columns;
    const plan = this.#plan;
    this.#records += n;
    const correlated = plan.correlated.length;
    for (let i = 0; i < correlated; i++) if ((correlatedValues[i]?.length ?? 0) < n) correlatedValues[i] = new Float64Array(Math.max(n, 256));
    const xs = correlatedValues;
    while (values.length < n) values.push(undefined);
    if (numbers.length < n) numbers = new Float64Array(n);
    for (let i = 0; i < templates.length; i++) {
      const t = templates[i]!;
      const vals = columns ? columns[i]! : values;
      const nulls = columns ? countNulls(vals, n) : columnValues(records!, n, t.key, t.rest, values);
      const at = t.at;
      stats[at + STAT.NULLS] = stats[at + STAT.NULLS]! + nulls;
      stats[at + STAT.N] = stats[at + STAT.N]! + n - nulls;
      const known = t.ref !== undefined ? this.#refs?.(t.ref) : undefined;
      if (known) {
        stats[at + STAT.FK] = 1;
        checkRefs(vals, n, known, stats, at);
      }
      switch (t.type) {
        case 'number':
        case 'date': {
          // Numbers are hashed as numbers, dates as their instant; any other value by its text.
          let dated = 0;
          if (t.type === 'number') dated = numbersOf(vals, n, numbers);
          else if (instants?.[i]) datedInstants(vals, n, instants[i]!, numbers);
          else dated = parseIsoDates(vals, n, numbers);
          const before = stats[at + STAT.NUMS]!;
          this.#sketch[i] = numberStats(numbers, n, stats, at, t.hllAt >= 0 ? hll : undefined, t.hllAt, counts, t.binAt, t.lo, t.width, t.bins, this.#sketch[i]);
          // Given instants are all finite: the ones counted.
          if (t.type === 'date' && instants?.[i]) dated = stats[at + STAT.NUMS]! - before;
          if (n - nulls - dated && t.hllAt >= 0) hashOthers(vals, n, numbers, hll, t.hllAt);
          break;
        }
        case 'category':
          this.#cats[i] = scanCategories(vals, n, stats, at, hll, t.hllAt, this.#cats[i]);
          break;
        case 'text':
          scanTexts(vals, n, stats, at, t.hllAt >= 0 ? hll : undefined, t.hllAt);
          break;
        case 'array':
          this.#cats[i] = scanArrays(vals, n, stats, at, counts, t.binAt, t.ofCats, this.#cats[i]);
          break;
        default:
          this.#auto[i] = scanAuto(vals, n, numbers, stats, at, hll, t.hllAt, this.#auto[i]);
          this.#sketch[i] = numberStats(numbers, n, stats, at, undefined, -1, counts, t.binAt, t.lo, t.width, t.bins, this.#sketch[i]);
      }
      // A correlated column's values: its numbers (infinities too), NaN where a record has none.
      if (t.corr >= 0) {
        if (t.type === 'number') xs[t.corr]!.set(numbers.subarray(0, n));
        else numbersOf(vals, n, xs[t.corr]!);
      }
    }
    // The values of the last column are not kept past the run.
    if (!columns) values.fill(undefined, 0, n);
    let p = 0;
    for (let i = 0; i < correlated; i++) for (let j = i + 1; j < correlated; j++, p += 6) addPairs(xs[i]!, xs[j]!, n, corr, p);
  }

  /** The batch's summary. */
  done(): BatchSummary {
    const cats: BatchSummary['cats'] = [];
    const sketch: BatchSummary['sketch'] = [];
    for (let i = 0; i < this.#columns.length; i++) {
      const a = this.#auto[i];
      const c = this.#cats[i];
      const s = this.#sketch[i];
      cats.push(a ? autoCats(a) : c && c.keys.length ? { keys: c.keys, counts: c.counts } : null);
      sketch.push(s && s.keys.length ? { keys: s.keys, counts: s.counts } : null);
    }
    return { records: this.#records, stats: this.#stats, counts: this.#counts, hll: this.#hll, cats, sketch, corr: this.#corr };
  }
}

/**
 * A batch's summary, made where the records are (a code thread, a farm worker, the model
 * stage's process), so the committer only merges small summaries in commit order: nothing is
 * re-read, and memory is bounded by the plan, not by the records. Every record of a summarized
 * batch is counted (which batches are summarized: the engine's summarizedBatches).
 *
 * Column by column, a run of records at a time ({@link BatchSummarizer}): each step is a small
 * loop over the run's values (or their numbers), the same loop for every column and dataset, so
 * the JIT compiles a few small functions once per thread, within its first batch. Summarizing
 * record by record ran one large function per record instead, interpreted for thousands of
 * records and compiled again for each dataset: most of what the report cost a run. Hashing is
 * written out in the loops (as in hll.ts) so that no helper is compiled on its own as well.
 */
export function summarizeBatch(plan: DatasetPlan, records: ReadonlyArray<Record<string, unknown>>, refs?: RefLookup, instants?: BatchInstants): BatchSummary {
  const s = new BatchSummarizer(plan, refs);
  s.add(records, records.length, instants);
  return s.done();
}

/** How many of a column's first `n` values are null or missing. */
function countNulls(vals: readonly unknown[], n: number): number {
  let nulls = 0;
  for (let k = 0; k < n; k++) nulls += vals[k] == null ? 1 : 0;
  return nulls;
}

/** The column's values (`key`, then down `rest`) into `out`; returns how many are null or missing. */
function columnValues(records: ReadonlyArray<Record<string, unknown>>, n: number, key: string, rest: string[], out: unknown[]): number {
  let nulls = 0;
  for (let k = 0; k < n; k++) {
    let v = records[k]![key];
    for (let i = 0; i < rest.length; i++) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[rest[i]!] : undefined;
    out[k] = v;
    // Counted without a branch: code compiled before the first null would be thrown away at it.
    nulls += v == null ? 1 : 0;
  }
  return nulls;
}

/** A date column's instants as the generator gave them, where the record's value is a text (NaN elsewhere). */
function datedInstants(vals: unknown[], n: number, instants: Float64Array, out: Float64Array): void {
  for (let k = 0; k < n; k++) out[k] = typeof vals[k] === 'string' ? instants[k]! : NaN;
}

/** String.prototype.charCodeAt called directly, as hll.ts does (a method lookup per character otherwise). */
const charCodeAt = String.prototype.charCodeAt;

/** Foreign keys: each non-null value looked up in the referenced column. */
function checkRefs(vals: unknown[], n: number, refs: { has(v: unknown): boolean }, stats: Float64Array, at: number): void {
  let checked = 0;
  let missing = 0;
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    if (v == null) continue;
    checked++;
    if (!refs.has(v)) missing++;
  }
  stats[at + STAT.FK_CHECKED] = stats[at + STAT.FK_CHECKED]! + checked;
  stats[at + STAT.FK_MISSING] = stats[at + STAT.FK_MISSING]! + missing;
}

/** A column's numbers into `out` (NaN for any other value); returns how many there are. */
function numbersOf(vals: unknown[], n: number, out: Float64Array): number {
  let m = 0;
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    const number = typeof v === 'number';
    out[k] = number ? v : NaN;
    m += number ? 1 : 0;
  }
  return m;
}

/** Adds the non-null values that have no number (text that is not a date, …) to the distinct count, by their kind. */
function hashOthers(vals: unknown[], n: number, xs: Float64Array, hll: Uint8Array, hllAt: number): void {
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    if (v != null && xs[k] !== xs[k]) addHash(hll, hllAt, typeof v === 'number' ? hashNumber(v) : hashString(typeof v === 'string' ? v : String(v)));
  }
}

/** Adds the records where both columns are numbers to the pair's running sums at `p`. */
function addPairs(xs: Float64Array, ys: Float64Array, n: number, corr: Float64Array, p: number): void {
  // Carried from the batch's earlier runs (all 0 before its first).
  let m = corr[p]!;
  let sx = corr[p + 1]!;
  let sy = corr[p + 2]!;
  let sxx = corr[p + 3]!;
  let syy = corr[p + 4]!;
  let sxy = corr[p + 5]!;
  for (let k = 0; k < n; k++) {
    const x = xs[k]!;
    const y = ys[k]!;
    if (x !== x || y !== y) continue;
    m += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  corr[p] = m;
  corr[p + 1] = sx;
  corr[p + 2] = sy;
  corr[p + 3] = sxx;
  corr[p + 4] = syy;
  corr[p + 5] = sxy;
}

/** hashNumber's halves (hll.ts), written out in numberStats. */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * The figures of a column's numbers (`xs`, NaN for none; infinities are hashed but not counted):
 * each one hashed into the distinct count (unless `hll` is undefined), then bins when the plan
 * has them, else the log sketch, returned.
 */
function numberStats(xs: Float64Array, n: number, stats: Float64Array, at: number, hll: Uint8Array | undefined, hllAt: number, counts: Float64Array, binAt: number, lo: number, width: number, bins: number, sketch: SketchState | undefined): SketchState | undefined {
  // Carried from the batch's earlier runs (before its first: 0, +Infinity, -Infinity).
  let nums = stats[at + STAT.NUMS]!;
  let min = stats[at + STAT.MIN]!;
  let max = stats[at + STAT.MAX]!;
  let sum = stats[at + STAT.SUM]!;
  let sumSq = stats[at + STAT.SUM_SQ]!;
  let under = stats[at + STAT.UNDER]!;
  let over = stats[at + STAT.OVER]!;
  // The top edge belongs to the last bin (a uniform's max, a date range's last day).
  const top = lo + bins * width * (1 + 1e-12);
  const last = bins - 1;
  let codes = sketch?.codes;
  let keys = sketch?.keys;
  let sketched = sketch?.counts;
  for (let k = 0; k < n; k++) {
    const x = xs[k]!;
    if (x !== x) continue;
    if (hll) {
      // hll.ts: addHash(hll, hllAt, hashNumber(x)).
      f64[0] = x;
      let g = u32[1]! + 0x9e3779b9;
      g ^= g >>> 16;
      g = Math.imul(g, 0x85ebca6b);
      g ^= g >>> 13;
      g = Math.imul(g, 0xc2b2ae35);
      g ^= g >>> 16;
      let h = u32[0]! ^ (g >>> 0);
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      const idx = hllAt + (h >>> (32 - HLL_BITS));
      const rank = Math.min(32 - HLL_BITS, Math.clz32(h << HLL_BITS)) + 1;
      if (rank > hll[idx]!) hll[idx] = rank;
    }
    if (x - x !== 0) continue;
    nums++;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    sumSq += x * x;
    if (binAt >= 0) {
      let b = Math.floor((x - lo) / width);
      // Out-of-range values and the top edge are rare: arithmetic or a comparison first met
      // after the loop was compiled (no type feedback yet) threw the compiled code away, to be
      // compiled again, in every code thread. So each is met by every value: the comparisons
      // before the rare `b === bins`, the counts without a branch of their own.
      if (x <= top && b === bins) b = last;
      under += b < 0 ? 1 : 0;
      over += b >= bins ? 1 : 0;
      if (b >= 0 && b < bins) counts[binAt + b]!++;
      continue;
    }
    const code = sketchCode(x);
    codes ??= new Map();
    keys ??= [];
    sketched ??= [];
    const slot = codes.get(code);
    if (slot !== undefined) sketched[slot]!++;
    else if (keys.length < MAX_SKETCH_BUCKETS) {
      codes.set(code, keys.length);
      keys.push(code);
      sketched.push(1);
    } else over++;
  }
  const state = keys ? { codes: codes!, keys, counts: sketched! } : undefined;
  if (nums === 0) return state;
  stats[at + STAT.NUMS] = nums;
  stats[at + STAT.MIN] = min;
  stats[at + STAT.MAX] = max;
  stats[at + STAT.SUM] = sum;
  stats[at + STAT.SUM_SQ] = sumSq;
  stats[at + STAT.UNDER] = under;
  stats[at + STAT.OVER] = over;
  return state;
}

/**
 * Category values are looked up along their list while it is this short (most category columns
 * have a few values: no hashing, and a small loop for the JIT), then through a map.
 */
const SHORT_LIST = 8;

/** The index in `keys` of `key`, or -1, through `slots` (filled as `keys` grows). */
function slotOf(keys: string[], slots: Map<string, number>, key: string): number {
  if (slots.size < keys.length) for (let i = slots.size; i < keys.length; i++) slots.set(keys[i]!, i);
  return slots.get(key) ?? -1;
}

/**
 * Counts a column's values by their text; the first MAX_CATEGORIES values seen are kept. A value
 * is added to the distinct count only when the batch first sees it (or it is past the cap): a
 * HyperLogLog sketch ignores repeats, so the registers come out the same as hashing every value,
 * for a fraction of the hashing.
 */
function scanCategories(vals: unknown[], n: number, stats: Float64Array, at: number, hll: Uint8Array | undefined, hllAt: number, state: CatState | undefined): CatState {
  let other = stats[at + STAT.OTHER]!;
  const st = state ?? { keys: [], counts: [], slots: new Map<string, number>() };
  const { slots, keys, counts } = st;
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    if (v == null) continue;
    const key = typeof v === 'string' ? v : v === true ? 'true' : v === false ? 'false' : String(v);
    let slot = -1;
    if (keys.length <= SHORT_LIST) {
      for (let i = 0; i < keys.length; i++) {
        if (keys[i] === key) {
          slot = i;
          break;
        }
      }
    } else slot = slotOf(keys, slots, key);
    if (slot >= 0) {
      counts[slot]!++;
      continue;
    }
    if (hll) addHash(hll, hllAt, typeof v === 'number' ? hashNumber(v) : hashString(key));
    if (keys.length < MAX_CATEGORIES) {
      keys.push(key);
      counts.push(1);
    } else other++;
  }
  stats[at + STAT.OTHER] = other;
  return st;
}

/**
 * Free text: lengths and the distinct count, nothing of the values kept; lengths only without
 * `hll` (a column whose values are all distinct, see ColumnPlan's allDistinct).
 */
function scanTexts(vals: unknown[], n: number, stats: Float64Array, at: number, hll: Uint8Array | undefined, hllAt: number): void {
  // Carried from the batch's earlier runs (before its first: 0, +Infinity, -Infinity, 0).
  let lens = stats[at + STAT.LENS]!;
  let lenMin = stats[at + STAT.LEN_MIN]!;
  let lenMax = stats[at + STAT.LEN_MAX]!;
  let lenSum = stats[at + STAT.LEN_SUM]!;
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    if (typeof v !== 'string') {
      if (v != null && hll) addHash(hll, hllAt, typeof v === 'number' ? hashNumber(v) : hashString(String(v)));
      continue;
    }
    const l = v.length;
    lens++;
    if (l < lenMin) lenMin = l;
    if (l > lenMax) lenMax = l;
    lenSum += l;
    if (!hll) continue;
    // hll.ts: addHash(hll, hllAt, hashString(v)).
    let h = 0x811c9dc5;
    for (let i = 0; i < l; i++) h = Math.imul(h ^ charCodeAt.call(v, i), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const idx = hllAt + (h >>> (32 - HLL_BITS));
    const rank = Math.min(32 - HLL_BITS, Math.clz32(h << HLL_BITS)) + 1;
    if (rank > hll[idx]!) hll[idx] = rank;
  }
  setLengths(stats, at, lens, lenMin, lenMax, lenSum);
}

function setLengths(stats: Float64Array, at: number, lens: number, lenMin: number, lenMax: number, lenSum: number): void {
  if (!lens) return;
  stats[at + STAT.LENS] = lens;
  stats[at + STAT.LEN_MIN] = lenMin;
  stats[at + STAT.LEN_MAX] = lenMax;
  stats[at + STAT.LEN_SUM] = lenSum;
}

/** A run's array elements, reused as `values` is. */
const elements: unknown[] = [];

/**
 * Arrays: counts by length, and their elements as categories when the spec names them: the run's
 * elements, one after the other, are counted by {@link scanCategories}, as a category column's
 * values are (one way of counting categories, not a second copy of it inside this loop).
 */
function scanArrays(vals: unknown[], n: number, stats: Float64Array, at: number, counts: Float64Array, binAt: number, ofCats: boolean, state: CatState | undefined): CatState | undefined {
  // Carried from the batch's earlier runs.
  let arrays = stats[at + STAT.ARRAYS]!;
  let lenMin = stats[at + STAT.LEN_MIN]!;
  let lenMax = stats[at + STAT.LEN_MAX]!;
  let lenSum = stats[at + STAT.LEN_SUM]!;
  let m = 0;
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    if (!Array.isArray(v)) continue;
    const l = v.length;
    arrays++;
    if (l < lenMin) lenMin = l;
    if (l > lenMax) lenMax = l;
    lenSum += l;
    counts[binAt + (l < MAX_ARRAY_LENGTH ? l : MAX_ARRAY_LENGTH)]!++;
    if (ofCats) for (let i = 0; i < l; i++) elements[m++] = v[i];
  }
  stats[at + STAT.ARRAYS] = arrays;
  setLengths(stats, at, arrays, lenMin, lenMax, lenSum);
  if (!ofCats) return state;
  // Elements are not sketched: an array column has no registers (hllAt -1).
  const st = scanCategories(elements, m, stats, at, undefined, -1, state);
  elements.fill(undefined, 0, m);
  return st;
}

/**
 * A column whose type shows only in its values: booleans as categories, numbers into `out`
 * (hashed here: the caller's numberStats does not), text lengths.
 */
function scanAuto(vals: unknown[], n: number, out: Float64Array, stats: Float64Array, at: number, hll: Uint8Array, hllAt: number, state: AutoState | undefined): AutoState | undefined {
  // Carried from the batch's earlier runs (before its first: 0, +Infinity, -Infinity, 0).
  let lens = stats[at + STAT.LENS]!;
  let lenMin = stats[at + STAT.LEN_MIN]!;
  let lenMax = stats[at + STAT.LEN_MAX]!;
  let lenSum = stats[at + STAT.LEN_SUM]!;
  let t = state?.t ?? 0;
  let f = state?.f ?? 0;
  // Booleans in the order first seen, as the categories of any other column.
  let first = state?.first ?? '';
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    out[k] = NaN;
    if (v == null) continue;
    if (typeof v === 'boolean') {
      if (v ? t++ : f++) continue;
      first ||= v ? 'true' : 'false';
      addHash(hll, hllAt, hashString(v ? 'true' : 'false'));
    } else if (typeof v === 'number') {
      addHash(hll, hllAt, hashNumber(v));
      out[k] = v;
    } else if (typeof v === 'string') {
      addHash(hll, hllAt, hashString(v));
      const l = v.length;
      lens++;
      if (l < lenMin) lenMin = l;
      if (l > lenMax) lenMax = l;
      lenSum += l;
    } else addHash(hll, hllAt, hashString(String(v)));
  }
  setLengths(stats, at, lens, lenMin, lenMax, lenSum);
  return first ? { t, f, first } : undefined;
}

/** An auto column's booleans as categories, in the order first seen. */
function autoCats({ t, f, first }: AutoState): { keys: string[]; counts: number[] } | null {
  const both = first === 'true' ? [['true', t], ['false', f]] : [['false', f], ['true', t]];
  const cats = both.filter(([, c]) => c) as Array<[string, number]>;
  return { keys: cats.map(([k]) => k), counts: cats.map(([, c]) => c) };
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

