import { CompiledDataset, FakerRegistry, OrphanRecordError, TransformValueError, UniqueIndex, getPath, type DataRecord } from '@synthfarm/codegen/generator';
// Subpath imports keep a code thread's start-up to what it runs (the barrels bring zod, yaml,
// pino and the file sinks).
import { createRecordEncoder, type RecordEncoder } from '@synthfarm/output/record-encoder';
import { compileRecordCheck, type RecordCheck } from '@synthfarm/spec/record-check';
import type { Spec } from '@synthfarm/spec';
import type { DatasetPlan } from '@synthfarm/report/column-plan';
import { refLookup } from './ref-lookup.js';
import type { BatchResult, BatchTask, EncodedBatch } from './batch-task.js';
import { PackedLinesBuilder } from './packed-lines.js';

interface Compiled {
  dataset: CompiledDataset;
  check: RecordCheck;
  /** The report's plan of the dataset's columns (made on first use). */
  plan?: DatasetPlan;
  /**
   * A run of the plan's columns (SUMMARY_RUN_ROWS values each), reused by every batch of the thread:
   * each encodeRecords call flushes its run before it returns, so no run is held across an await
   * (a thread's concurrent tasks, a source batch read in chunks) for another batch to write into.
   */
  columns?: unknown[][];
  /** The plan's date columns the generator writes, with their node (see dateColumns). */
  dates?: DateColumn[];
  /**
   * The run's instants of those columns (at their column's index), reused as `columns` is: a new
   * Float64Array per batch and date column was 2 KB outside V8's heap each time.
   */
  instants?: Array<Float64Array | undefined>;
  /**
   * The encoders of the formats last asked for, by their options: one set per run, not per batch
   * (a batch's new encoder closures deoptimized each thread's compiled encoding loop once more).
   */
  encoders?: { key: string; list: RecordEncoder[] };
  /** Bytes a line of each format took in the thread's last batch: the next batch's first buffer size (see PackedLinesBuilder). */
  lineBytes?: Map<string, number>;
}

/** A date column of the report's plan whose instants the generator hands over. */
interface DateColumn {
  /** Index among the plan's columns. */
  column: number;
  node: number;
}

/**
 * The plan's date columns written by a date field of the dataset (not a `ref` copying its
 * parent's text): the report takes their instants from the generator instead of parsing back
 * every date a batch wrote.
 */
function dateColumns(dataset: CompiledDataset, plan: DatasetPlan): DateColumn[] {
  const out: DateColumn[] = [];
  plan.columns.forEach((c, column) => {
    const node = c.type === 'date' ? dataset.nodes.find((n) => n.path === c.path) : undefined;
    if (node && (node.spec.kind === 'date' || node.spec.kind === 'datetime' || node.spec.kind === 'empirical')) out.push({ column, node: node.id });
  });
  return out;
}

/** A run's instants of the date columns `dates` of `plan`, at their column's index (undefined elsewhere). */
function instantColumns(plan: DatasetPlan, dates: readonly DateColumn[]): Array<Float64Array | undefined> {
  const out = new Array<Float64Array | undefined>(plan.columns.length).fill(undefined);
  for (const c of dates) out[c.column] = new Float64Array(SUMMARY_RUN_ROWS);
  return out;
}

/** The report's modules: loaded by a thread the first time it summarizes a batch (a run without a report never does). */
let reportModules: Promise<[typeof import('@synthfarm/report/batch-summary'), typeof import('@synthfarm/report/column-plan'), typeof import('@synthfarm/report/column-filler')]> | undefined;

/**
 * Compiled datasets by spec and dataset, as promises: a thread's first tasks arrive together (a
 * window of them), and each would otherwise compile the dataset (and plan its report) for itself
 * across the await on the faker registry: 8 compiles of each dataset at an inline run's start.
 */
const cache = new Map<string, Promise<Compiled>>();
const registries = new Map<string, Promise<FakerRegistry>>();

/** Compiles (once per thread) the dataset a task belongs to. */
export function compiledFor(task: Pick<BatchTask, 'spec' | 'specJson' | 'specKey' | 'datasetIndex'>): Promise<Compiled> {
  const key = `${task.specKey}#${task.datasetIndex}`;
  let c = cache.get(key);
  if (!c) {
    if (cache.size > 32) cache.clear(), registries.clear();
    c = compile(task);
    cache.set(key, c);
    // A compile that failed is tried again by the next task, as before it was shared.
    c.catch(() => cache.get(key) === c && cache.delete(key));
  }
  return c;
}

async function compile(task: Pick<BatchTask, 'spec' | 'specJson' | 'specKey' | 'datasetIndex'>): Promise<Compiled> {
  const spec: Spec = task.spec ?? (JSON.parse(task.specJson!) as Spec);
  let fakers = registries.get(task.specKey);
  if (!fakers) registries.set(task.specKey, (fakers = FakerRegistry.forSpec(spec)));
  const dataset = new CompiledDataset(spec, task.datasetIndex, await fakers);
  // llm fields are still holes here; the model stage checks them (with zod, at that edge).
  return { dataset, check: compileRecordCheck(spec.datasets[task.datasetIndex]!.fields!) };
}

/**
 * Stage 1 of a batch: code fields for records [start, start+count), checked against the
 * dataset's schema. Pure: the same task gives the same records in any thread or process.
 */
export async function generateBatch(task: BatchTask): Promise<BatchResult> {
  const compiled = await compiledFor(task);
  const { dataset, check } = compiled;
  dataset.setRefColumns(task.refColumns);
  let rows = task.sourceRows;
  let source: BatchResult['source'];
  const enc = task.encode;
  if (task.readSource && !enc) {
    // Loaded only by threads that read a source: the sources package brings the database driver.
    const { readSourceBatch, sourceFor } = await import('./source-rows.js');
    const read = await readSourceBatch(sourceFor(task.specKey, dataset.spec, task.datasetIndex), dataset.spec, task.datasetIndex, task.start, task.count);
    rows = read.rows;
    source = { keys: read.keys, rejects: read.rejects };
  }
  if (rows) dataset.setSourceRows(task.start, rows);
  if (!enc) {
    const records = new Array<DataRecord>(task.count);
    const invalid: BatchResult['invalid'] = [];
    for (let k = 0; k < task.count; k++) {
      const rec = make(dataset, task, rows, k, k, invalid);
      const problem = rec && check(rec);
      if (problem !== undefined && problem !== null) invalid.push({ offset: k, error: problem });
      records[k] = rec ?? {};
    }
    return { records, invalid, ...(source ? { source } : {}) };
  }
  const formats = enc.formats;
  const unique = dataset.uniqueNodes.length;
  const refPaths = enc.refFields.map((f) => f.split('.'));
  // The report's summary is made a run of records at a time, column by column (see
  // BatchSummarizer): each valid record's values are copied into the run's columns as it is made
  // (with the instants of its dates), summarized at the run's end, and then let go.
  const [summaries, plans, fillers] = enc.summarize ? await (reportModules ??= Promise.all([import('@synthfarm/report/batch-summary'), import('@synthfarm/report/column-plan'), import('@synthfarm/report/column-filler')])) : [];
  const plan = enc.summarize ? (compiled.plan ??= plans!.planDataset(dataset.spec.datasets[task.datasetIndex]!, dataset.spec.datasets)) : undefined;
  const dates = plan ? (compiled.dates ??= dateColumns(dataset, plan)) : [];
  const instants = plan ? (compiled.instants ??= instantColumns(plan, dates)) : [];
  const summarizer = plan && new summaries!.BatchSummarizer(plan, refLookup(task.refColumns, task.specKey));
  const e: BatchEncoding = {
    dataset, task, check, unique, refPaths,
    encoders: encodersFor(compiled, enc),
    builders: formats.map((f) => new PackedLinesBuilder(task.count, { bytes: true, bytesPerLine: compiled.lineBytes?.get(f) })),
    keys: new Float64Array(task.count * unique),
    templateValues: new PackedLinesBuilder(task.count * unique),
    refValues: refPaths.map(() => new Array<unknown>(task.count)),
    invalid: [],
    summarizer, fill: plan && fillers!.columnFiller(plan), columns: plan && (compiled.columns ??= plan.columns.map(() => new Array<unknown>(SUMMARY_RUN_ROWS).fill(undefined))),
    kept: 0, dates, instants,
  };
  if (task.readSource) {
    // Legacy rows are transformed as they are read, a run at a time: only a run of them is alive at once.
    const { readSourceChunks, sourceFor } = await import('./source-rows.js');
    const read = { keys: new Array<unknown>(task.count).fill(undefined), rejects: [] };
    for await (const chunk of readSourceChunks(sourceFor(task.specKey, dataset.spec, task.datasetIndex), dataset.spec, task.datasetIndex, task.start, task.count, SOURCE_RUN_ROWS, read, task.sourceAt)) {
      dataset.setSourceRows(task.start + chunk.offset, chunk.rows);
      encodeRecords(e, chunk.rows, 0, chunk.offset, chunk.offset + chunk.rows.length);
    }
    source = read;
  } else encodeRecords(e, rows, 0, 0, task.count);
  const lines: EncodedBatch['lines'] = {};
  formats.forEach((f, i) => {
    const p = (lines[f] = e.builders[i]!.done());
    // A little over the last batch's size: most batches then fill one buffer, never regrown.
    if (p.bytes && task.count) (compiled.lineBytes ??= new Map()).set(f, (p.bytes.length / task.count) * 1.05);
  });
  const summary = summarizer?.done();
  return { encoded: { lines, keys: e.keys, templateValues: e.templateValues.done(), refValues: e.refValues, ...(summary ? { summary } : {}) }, invalid: e.invalid, ...(source ? { source } : {}) };
}

/** The record encoders of the formats `enc` asks for (made once per thread and options). */
function encodersFor(compiled: Compiled, enc: NonNullable<BatchTask['encode']>): RecordEncoder[] {
  const key = JSON.stringify([enc.formats, enc.formats.map((f) => enc.options[f])]);
  if (compiled.encoders?.key !== key) compiled.encoders = { key, list: enc.formats.map((f) => createRecordEncoder(f, enc.options[f]!)) };
  return compiled.encoders.list;
}

/** A batch being encoded: one object of one shape per batch, so {@link encodeRecords} is compiled once. */
interface BatchEncoding {
  dataset: CompiledDataset;
  task: BatchTask;
  check: RecordCheck;
  unique: number;
  refPaths: string[][];
  encoders: RecordEncoder[];
  builders: PackedLinesBuilder[];
  keys: Float64Array;
  templateValues: PackedLinesBuilder;
  refValues: unknown[][];
  invalid: BatchResult['invalid'];
  /** The batch's summary (undefined: no report), made from a run of valid records at a time. */
  summarizer: import('@synthfarm/report/batch-summary').BatchSummarizer | undefined;
  /** Copies a valid record's values into `columns` (the run's), and the columns. */
  fill: import('@synthfarm/report/column-filler').ColumnFiller | undefined;
  columns: unknown[][] | undefined;
  /** Records in the run's columns so far. */
  kept: number;
  dates: DateColumn[];
  /** The run's instants of the plan's date columns (see dateColumns). */
  instants: Array<Float64Array | undefined>;
}

/**
 * Makes, checks, summarizes and encodes records [first, end) of the batch (`rows[at + k - first]`
 * is record k's legacy row, for a source dataset), summarized SUMMARY_RUN_ROWS at a time. Runs
 * for every record of a code-only dataset: plain indexed loops, lines appended to one builder per
 * format.
 */
function encodeRecords(e: BatchEncoding, rows: BatchTask['sourceRows'], at: number, first: number, end: number): void {
  const { dataset, task, check, summarizer, encoders, builders, unique, keys, templateValues, refPaths, refValues, invalid } = e;
  for (let k = first; k < end; k++) {
    const made = make(dataset, task, rows, at + k - first, k, invalid);
    const rec = made ?? {};
    const problem = made && check(made);
    if (problem !== undefined && problem !== null) invalid.push({ offset: k, error: problem });
    else if (made && summarizer) keep(e, made);
    for (let f = 0; f < encoders.length; f++) builders[f]!.add(made ? encoders[f]!(rec) : '');
    if (unique) UniqueIndex.writeKeys(dataset, rec, keys, templateValues, k * unique);
    for (let r = 0; r < refPaths.length; r++) refValues[r]![k] = getPath(rec, refPaths[r]!);
  }
  if (summarizer && e.kept) flushRun(e);
}

/** Copies a valid record's values (and its dates' instants) into the run's columns; summarizes a full run. */
function keep(e: BatchEncoding, made: DataRecord): void {
  const { dates, instants, dataset } = e;
  const columns = e.columns!;
  const n = e.kept;
  e.fill!(made, n, columns);
  for (let c = 0; c < dates.length; c++) {
    const d = dates[c]!;
    instants[d.column]![n] = typeof columns[d.column]![n] === 'string' ? dataset.instantOf(d.node) : NaN;
  }
  e.kept = n + 1;
  if (n + 1 === SUMMARY_RUN_ROWS) flushRun(e);
}

/** Adds the run's columns to the batch's summary, and lets their values go. */
function flushRun(e: BatchEncoding): void {
  // Only the first `kept` rows are read.
  e.summarizer!.addColumns(e.columns!, e.kept, e.instants);
  for (const c of e.columns!) c.fill(undefined, 0, e.kept);
  e.kept = 0;
}

/** Records summarized at a time (see BatchSummarizer). */
const SUMMARY_RUN_ROWS = 256;
/** Legacy rows read and transformed at a time (see readSourceChunks): a run of the summary. */
const SOURCE_RUN_ROWS = SUMMARY_RUN_ROWS;

/**
 * Record `start + k` (its legacy row `rows[at]`), or undefined (listed in `invalid`) when a legacy value cannot be transformed
 * (a date in no listed format), the legacy row is malformed (the processor rejects it with its line)
 * or a child's parent row was not written.
 */
function make(dataset: CompiledDataset, task: BatchTask, rows: BatchTask['sourceRows'], at: number, k: number, invalid: BatchResult['invalid']): DataRecord | undefined {
  if (rows && !rows[at]) {
    invalid.push({ offset: k, error: 'malformed source row' });
    return undefined;
  }
  const ops = task.ops?.[k];
  try {
    return ops ? dataset.generateWith(task.start + k, ops) : dataset.generate(task.start + k);
  } catch (err) {
    if (err instanceof OrphanRecordError) {
      invalid.push({ offset: k, error: err.message });
      return undefined;
    }
    if (!(err instanceof TransformValueError)) throw err;
    invalid.push({ offset: k, error: dataset.spec.privacy?.keepValues ? `${err.message} (value '${err.value}')` : err.message });
    return undefined;
  }
}
