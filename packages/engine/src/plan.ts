import { datasetColumns, type FieldSpec, type Spec } from '@synthfarm/spec';

/** What a dataset will take: batches, fields by kind, output columns. No model is called. */
export interface DatasetPlan {
  index: number;
  name: string;
  count: number;
  batchSize: number;
  batches: number;
  /** Field paths grouped by kind (`normal: [age]`); a shape dataset lists `llm` only. */
  fieldsByKind: Record<string, string[]>;
  /** Top-level fields the model writes. */
  llmFields: string[];
  columns: string[];
}

export interface Plan {
  seed: number;
  datasets: DatasetPlan[];
  totalRecords: number;
  totalBatches: number;
}

/** A batch's place in its dataset. */
export interface BatchRange {
  batch: number;
  start: number;
  count: number;
}

/** Splits `count` records into batches of `batchSize` (the last one shorter). */
export function batchRanges(count: number, batchSize: number): BatchRange[] {
  return [...eachBatchRange(count, batchSize)];
}

/** The batches of a dataset by number, computed when asked for: memory flat in the count. */
export interface BatchRangeList {
  readonly length: number;
  at(batch: number): BatchRange;
}

/** {@link batchRanges} as a {@link BatchRangeList}. */
export function batchRangeList(count: number, batchSize: number): BatchRangeList {
  return {
    length: Math.ceil(count / batchSize),
    at: (b) => ({ batch: b, start: b * batchSize, count: Math.min(batchSize, count - b * batchSize) }),
  };
}

/**
 * {@link batchRanges} one at a time: a run of 10^12 records must not hold 4·10^9 ranges
 * before it writes its first line (memory flat in the count).
 */
export function* eachBatchRange(count: number, batchSize: number): Generator<BatchRange> {
  for (let start = 0, b = 0; start < count; start += batchSize, b++) yield { batch: b, start, count: Math.min(batchSize, count - start) };
}

function byKind(fields: Record<string, FieldSpec>, prefix = '', out: Record<string, string[]> = {}): Record<string, string[]> {
  for (const [k, f] of Object.entries(fields)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (f.kind === 'object') byKind(f.fields, p, out);
    else (out[f.kind] ??= []).push(p);
  }
  return out;
}

/** The plan of a validated spec. */
export function planSpec(spec: Spec): Plan {
  const datasets = spec.datasets.map((ds, index): DatasetPlan => {
    const fieldsByKind = ds.fields ? byKind(ds.fields) : { llm: Object.keys(ds.shape ?? {}) };
    const llmFields = ds.fields ? Object.entries(ds.fields).filter(([, f]) => f.kind === 'llm').map(([k]) => k) : Object.keys(ds.shape ?? {});
    return {
      index, name: ds.name, count: ds.count, batchSize: ds.batchSize,
      batches: Math.ceil(ds.count / ds.batchSize), fieldsByKind, llmFields, columns: datasetColumns(ds),
    };
  });
  return {
    seed: spec.seed,
    datasets,
    totalRecords: datasets.reduce((n, d) => n + d.count, 0),
    totalBatches: datasets.reduce((n, d) => n + d.batches, 0),
  };
}
