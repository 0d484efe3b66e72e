import type { DatasetSpec, FieldSpec } from '@synthfarm/spec';
import { correlationsOf } from '@synthfarm/spec/latent-mix';

/** Bins of a numeric or date histogram: fixed from the spec, so every batch's counts add up. */
export interface Bins {
  /** Left edge of the first bin. */
  lo: number;
  /** Width of each bin (dates: milliseconds). */
  width: number;
  n: number;
}

/** The distribution a spec asks for, as the report draws it against the output. */
export type Target =
  | { kind: 'normal'; mean: number; sd: number }
  | { kind: 'lognormal'; mu: number; sigma: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'exponential'; rate: number }
  | { kind: 'poisson'; lambda: number }
  /** Equally spaced quantiles (a profiled source's distribution, `kind: empirical`). */
  | { kind: 'quantiles'; values: number[] };

interface ColumnBase {
  /** Dot path of the column (`address.city`), as in the CSV header. */
  path: string;
  /** The field's kind in the spec (`normal`, `choice`, …; `shape` for a shape dataset's field). */
  field: string;
  /** The spec's `nullRate` (0 when absent). */
  nullRate: number;
  unique: boolean;
  /**
   * Every written value differs from every other: a `unique` field (the committer enforces it
   * over the whole dataset), a sequence (step ≠ 0) or a uuid (122 random bits). Its distinct
   * count is its count, exactly: it is not sketched (no value hashed).
   */
  allDistinct?: true;
}

/**
 * How the report summarizes one output column. Decided from the spec alone, so a worker thread,
 * a farm worker and the committer all agree on bins without seeing each other's data.
 */
export type ColumnPlan =
  | (ColumnBase & {
      type: 'number';
      /** Fixed bins when the spec bounds the values; otherwise a log-bucket sketch. */
      bins?: Bins;
      integer: boolean;
      target?: Target;
      /** Clamps of the spec: mass beyond them piles up at the edge. */
      min?: number;
      max?: number;
      /** `ref` fields: the `dataset.field` every value must exist in. */
      ref?: string;
    })
  | (ColumnBase & { type: 'date'; bins: Bins; target?: Target; ref?: string })
  | (ColumnBase & {
      type: 'category';
      /** Target weights by value (normalized to 1), when the spec gives them. */
      weights?: Record<string, number>;
      ref?: string;
    })
  /** Free text: lengths and distinct count only (no value is kept: it may be a person's). */
  | (ColumnBase & { type: 'text'; ref?: string })
  | (ColumnBase & { type: 'array'; min: number; max: number; of?: Record<string, number> | undefined })
  /** A model-written field whose type shows only in its values (a `shape:` dataset). */
  | (ColumnBase & { type: 'auto' });

/** Numeric columns of a dataset a report correlates, at most this many (pairs grow as n²). */
export const MAX_CORRELATED = 10;
/** Bins of a numeric histogram. */
export const HISTOGRAM_BINS = 40;

/** The report's plan of a dataset: its columns, and which numeric ones it correlates. */
export interface DatasetPlan {
  name: string;
  columns: ColumnPlan[];
  /** Indexes into `columns` of the correlated numeric columns. */
  correlated: number[];
  /** Target Pearson r of spec pairs `correlate: { with, r }` (or lists of them), keyed `a|b` by column path. */
  correlationTargets: Record<string, number>;
}

const DAY = 86_400_000;

/**
 * Plans the report's summary of a dataset from its spec (runSpec'd: enrich fields included).
 * `datasets` (the spec's) lets a `ref` column take the bins and target of the column it points
 * at: a foreign key picks rows of its parent uniformly, so its values follow the parent's.
 * `enrichShares` (the dataset's, from the spec package's enrichShares) gives each enrich field the
 * share of records its stage writes; the rest are null by design, which its null-rate target says.
 * Only the page reads a target null rate: plans made without it summarize alike.
 */
export function planDataset(ds: DatasetSpec, datasets: readonly DatasetSpec[] = [ds], enrichShares: Readonly<Record<string, number>> = {}): DatasetPlan {
  const columns: ColumnPlan[] = [];
  const targets: Record<string, number> = {};
  const walk = (fields: Record<string, FieldSpec>, prefix: string) => {
    for (const [k, f] of Object.entries(fields)) {
      if (f.hidden) continue;
      const path = prefix ? `${prefix}.${k}` : k;
      if (f.kind === 'object') {
        walk(f.fields, path);
        continue;
      }
      columns.push(f.kind === 'ref' ? planRef(path, f, datasets) : planField(path, f, ds.count));
      // `with` is a full dot path, as the spec's checks and the generator read it.
      for (const c of correlationsOf(f)) targets[[path, c.with].sort().join('|')] = c.r;
    }
  };
  const walkShape = (shape: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(shape)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walkShape(v as Record<string, unknown>, path);
      else columns.push(planShape(path, v));
    }
  };
  if (ds.fields) walk(ds.fields, '');
  else if (ds.shape) walkShape(ds.shape, '');
  for (const c of columns) if (Object.hasOwn(enrichShares, c.path)) c.nullRate = 1 - enrichShares[c.path]!;
  // Sequences and foreign keys are ids: their correlation with anything says nothing.
  const correlated = columns.flatMap((c, i) => (c.type === 'number' && c.field !== 'sequence' && c.field !== 'ref' ? [i] : [])).slice(0, MAX_CORRELATED);
  return { name: ds.name, columns, correlated, correlationTargets: targets };
}

function planRef(path: string, f: Extract<FieldSpec, { kind: 'ref' }>, datasets: readonly DatasetSpec[]): ColumnPlan {
  const base = { path, field: 'ref', nullRate: f.nullRate ?? 0, unique: !!f.unique, ...(f.unique ? { allDistinct: true as const } : {}), ref: `${f.dataset}.${f.field}` };
  const parent = datasets.find((d) => d.name === f.dataset);
  const target = parent ? planDataset(parent, []).columns.find((c) => c.path === f.field) : undefined;
  if (target && (target.type === 'number' || target.type === 'date')) {
    // A foreign key repeats its parent's values: their distinctness is not its own.
    const { path: _p, field: _f, nullRate: _n, unique: _u, allDistinct: _d, ...shape } = target;
    return { ...shape, ...base } as ColumnPlan;
  }
  if (target?.type === 'category') return { ...base, type: 'category', ...(target.weights ? { weights: target.weights } : {}) };
  // The referenced column's kind is not known here: numbers get a sketch, other values count as text.
  return { ...base, type: 'auto' } as ColumnPlan;
}

function planField(path: string, f: FieldSpec, count: number): ColumnPlan {
  const distinct = !!f.unique || f.kind === 'sequence' || f.kind === 'uuid';
  const base = { path, field: f.kind, nullRate: f.nullRate ?? 0, unique: !!f.unique, ...(distinct ? { allDistinct: true as const } : {}) };
  switch (f.kind) {
    case 'sequence': {
      const a = f.start;
      const b = f.start + f.step * Math.max(0, count - 1);
      return { ...base, type: 'number', integer: true, bins: integerBins(Math.min(a, b), Math.max(a, b)), target: { kind: 'uniform', min: Math.min(a, b), max: Math.max(a, b) } };
    }
    case 'uniform':
    case 'normal':
    case 'lognormal':
    case 'exponential':
    case 'poisson':
      return numericPlan(base, f);
    case 'empirical': {
      if (f.weights) return { ...base, type: 'category', weights: normalize(f.weights) };
      const q = f.quantiles!;
      if (typeof q[0] === 'string') {
        const xs = (q as string[]).map((s) => Date.parse(s));
        return { ...base, type: 'date', bins: dateBins(xs[0]!, xs[xs.length - 1]!), target: { kind: 'quantiles', values: xs } };
      }
      return numericPlan(base, f);
    }
    case 'bool':
      return { ...base, type: 'category', weights: { true: f.p, false: 1 - f.p } };
    case 'choice':
      return { ...base, type: 'category', weights: f.weights ? normalize(f.weights) : normalize(Object.fromEntries(f.values!.map((v) => [String(v), 1]))) };
    case 'date':
    case 'datetime': {
      const a = Date.parse(f.from);
      const b = Date.parse(f.to);
      // Traffic weights and `after` (on or after the parent's value) shape the times: no flat target to check against.
      const shaped = ('weights' in f && f.weights !== undefined) || ('after' in f && f.after !== undefined);
      return { ...base, type: 'date', bins: dateBins(a, b), ...(shaped ? {} : { target: { kind: 'uniform' as const, min: a, max: b } }) };
    }
    case 'array': {
      const of = f.of.kind === 'choice' ? (f.of.weights ? normalize(f.of.weights) : normalize(Object.fromEntries(f.of.values!.map((v) => [String(v), 1])))) : f.of.kind === 'bool' ? { true: f.of.p, false: 1 - f.of.p } : undefined;
      return { ...base, type: 'array', min: f.min, max: f.max, of };
    }
    case 'llm':
      if (f.values) return { ...base, type: 'category', weights: normalize(Object.fromEntries(f.values.map((v) => [v, 1]))) };
      if (f.type === 'boolean') return { ...base, type: 'category' };
      if (f.type === 'integer' || f.type === 'number') {
        const bounded = f.min !== undefined && f.max !== undefined;
        return { ...base, type: 'number', integer: f.type === 'integer', ...(bounded ? { bins: f.type === 'integer' ? integerBins(f.min!, f.max!) : realBins(f.min!, f.max!) } : {}) };
      }
      return { ...base, type: 'text' };
    case 'from':
      // A legacy column: its values are real data (DESIGN §9), so only numbers are binned, never kept as categories.
      return { ...base, type: 'auto' };
    case 'object':
      throw new Error('[report] object fields are flattened before planning');
    default:
      return { ...base, type: 'text' };
  }
}

/** A `shape:` field: `"a|b|c"` is a category, an array has lengths, anything else shows in its values. */
function planShape(path: string, v: unknown): ColumnPlan {
  const base = { path, field: 'shape', nullRate: 0, unique: false };
  if (Array.isArray(v)) return { ...base, type: 'array', min: 0, max: 0 };
  if (typeof v === 'string' && v.includes('|')) return { ...base, type: 'category', weights: normalize(Object.fromEntries(v.split('|').map((x) => [x.trim(), 1]))) };
  return { ...base, type: 'auto' };
}

type NumericSpec = Extract<FieldSpec, { kind: 'uniform' | 'normal' | 'lognormal' | 'exponential' | 'poisson' | 'empirical' }>;

function numericPlan(base: ColumnBase, f: NumericSpec): ColumnPlan {
  const integer = !!f.integer || f.kind === 'poisson';
  let target: Target;
  let lo: number;
  let hi: number;
  switch (f.kind) {
    case 'uniform':
      target = { kind: 'uniform', min: f.min, max: f.max };
      [lo, hi] = [f.min, f.max];
      break;
    case 'normal':
      target = { kind: 'normal', mean: f.mean, sd: f.sd };
      [lo, hi] = [f.mean - 4 * f.sd, f.mean + 4 * f.sd];
      break;
    case 'lognormal':
      target = { kind: 'lognormal', mu: f.mu, sigma: f.sigma };
      // Up to the 99.9th percentile: the long tail past it is counted as overflow, not drawn.
      [lo, hi] = [0, Math.exp(f.mu + 3.09 * f.sigma)];
      break;
    case 'exponential':
      target = { kind: 'exponential', rate: f.rate };
      [lo, hi] = [0, 6.9 / f.rate];
      break;
    case 'poisson':
      target = { kind: 'poisson', lambda: f.lambda };
      [lo, hi] = [Math.max(0, Math.floor(f.lambda - 5 * Math.sqrt(f.lambda))), Math.ceil(f.lambda + 5 * Math.sqrt(f.lambda) + 1)];
      break;
    default: {
      const q = f.quantiles as number[];
      target = { kind: 'quantiles', values: q };
      [lo, hi] = [q[0]!, q[q.length - 1]!];
    }
  }
  if (f.min !== undefined) lo = Math.max(lo, f.min);
  if (f.max !== undefined) hi = Math.min(hi, f.max);
  if (!(hi > lo)) hi = lo + 1;
  return {
    ...base, type: 'number', integer, target, bins: integer ? integerBins(Math.round(lo), Math.round(hi)) : realBins(lo, hi),
    ...(f.min !== undefined ? { min: f.min } : {}), ...(f.max !== undefined ? { max: f.max } : {}),
  };
}

/** Bins whose edges fall half-way between integers, so no integer sits on an edge. */
function integerBins(lo: number, hi: number): Bins {
  const width = Math.max(1, Math.ceil((hi - lo + 1) / HISTOGRAM_BINS));
  return { lo: lo - 0.5, width, n: Math.ceil((hi - lo + 1) / width) };
}

function realBins(lo: number, hi: number): Bins {
  return { lo, width: (hi - lo) / HISTOGRAM_BINS || 1, n: HISTOGRAM_BINS };
}

/** Date bins: equal widths over the range (at least a day in all). */
function dateBins(a: number, b: number): Bins {
  return { lo: a, width: Math.max(DAY, b - a) / HISTOGRAM_BINS, n: HISTOGRAM_BINS };
}

function normalize(w: Record<string, number>): Record<string, number> {
  const total = Object.values(w).reduce((a, b) => a + b, 0) || 1;
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v / total]));
}
