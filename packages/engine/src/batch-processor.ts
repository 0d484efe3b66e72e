import type { RefColumns, DataRecord } from '@synthfarm/codegen';
import { createRecordEncoder, type Format } from '@synthfarm/output';
import { isModelDataset, placeholders, type Spec } from '@synthfarm/spec';
import { withBatchAccount, type BatchAccount } from './batch-accounting.js';
import type { BatchJob } from './batch-job.js';
import type { BatchOutput } from './batch-output.js';
import type { BatchTask } from './batch-task.js';
import type { CodegenPool } from './codegen-pool.js';
import { datasetEncoding } from './encoded-formats.js';
import { linesFromWire, packLines } from './packed-lines.js';
import { referencedFields } from './ref-columns.js';
import type { SourceBatch } from './source-rows.js';
import type { DatasetPlan } from '@synthfarm/report/column-plan';
import { refLookup } from './ref-lookup.js';
import type { RecordStage, StagedBatch } from './staged-batch.js';

/** What the one batch processor needs: built once per run (per process), shared by its batches. */
export interface BatchProcessorOptions {
  /** The run's spec (enrich fields as columns). */
  spec: Spec;
  /** Identifies the spec in the code threads' compile cache. */
  specKey: string;
  /** Code fields run here: worker threads (embedded and farm alike) or inline. */
  pool: CodegenPool;
  /** Model stages, built once per run; none for code-only or when they do not apply. */
  stages: RecordStage[];
  /** Summarize each batch's records for the run's report (default true). */
  summarize?: boolean;
}

/** Runs one batch: code fields (replaying uniqueness ops) → model stages → encoded lines. */
export interface BatchProcessor {
  process(job: BatchJob, refColumns: RefColumns, signal: AbortSignal): Promise<BatchOutput>;
  /** Compiles the run's datasets on a code thread ahead of its first batch (a farm worker, when a run is submitted). */
  warm(): Promise<void>;
}

/**
 * The one batch processor of both modes (DESIGN §1, workers). Deterministic: the same job gives
 * the same bytes in any thread, process or mode. Code-only batches are encoded on the code
 * thread and come back with their unique keys, for the committer to admit; model batches come
 * with their uniqueness decided already (the job's ops), because the model must see final values.
 */
export function createBatchProcessor(opts: BatchProcessorOptions): BatchProcessor {
  const { spec, pool } = opts;
  const specJson = JSON.stringify(spec);
  const wanted = referencedFields(spec);
  const perDataset = spec.datasets.map((ds, d) => {
    const encoding = datasetEncoding(spec, d);
    const refFields = [...wanted].filter((k) => k.startsWith(`${ds.name}.`)).map((k) => k.slice(ds.name.length + 1));
    return {
      ds,
      refFields,
      refPaths: refFields.map((f) => f.split('.')),
      codeOnly: !!ds.fields && !isModelDataset(ds),
      promptColumns: ds.source ? [...new Set(Object.values(ds.fields ?? {}).flatMap((f) => (f.kind === 'llm' ? placeholders(f.prompt) : [])).filter((p) => p.startsWith('source.')).map((p) => p.slice(7)))] : [],
      encoders: encoding.formats.map((f) => [f, createRecordEncoder(f, encoding.options[f])] as const),
      encode: { formats: encoding.formats, options: encoding.options, refFields, summarize: opts.summarize !== false },
      unsummarized: { formats: encoding.formats, options: encoding.options, refFields, summarize: false },
      summarized: summarizedBatches(ds),
      /** The report's plan, made when a model batch is first summarized here. */
      plan: undefined as DatasetPlan | undefined,
    };
  });

  return {
    async warm() {
      // A batch of no records compiles its dataset in the thread's cache and generates nothing.
      for (const [d, p] of perDataset.entries()) if (p.ds.fields) await pool.run({ specKey: opts.specKey, specJson, datasetIndex: d, start: 0, count: 0, refColumns: {} });
    },
    async process(job, refColumns, signal) {
      const p = perDataset[job.dataset]!;
      const ops = Object.keys(job.ops).length ? Object.fromEntries(Object.entries(job.ops).map(([k, v]) => [Number(k), v])) : undefined;
      const task: BatchTask = { specKey: opts.specKey, specJson, datasetIndex: job.dataset, start: job.start, count: job.count, refColumns, ...(ops ? { ops } : {}) };
      const rejectsOf = (src: SourceBatch | undefined, invalid: Array<{ offset: number; error: string }>) => (src ? sourceRejects(p.ds.name, p.ds.source!.from, job.start, src, invalid) : invalid.map((i) => ({ dataset: p.ds.name, index: job.start + i.offset, reason: 'invalid_record', error: i.error })));
      if (p.codeOnly) {
        // A source dataset's batch is a source range: the code thread that runs it reads it, from
        // where this process's index of the source says the range starts.
        const at = p.ds.source ? await (await import('./source-rows.js')).sourcePosition(opts.specKey, spec, job.dataset, job.start) : undefined;
        const res = await pool.run({ ...task, encode: p.summarized(job.start) ? p.encode : p.unsummarized, ...(p.ds.source ? { readSource: true, ...(at ? { sourceAt: at } : {}) } : {}) });
        const e = res.encoded!;
        const src = res.source && { rows: [], ...res.source };
        return {
          count: job.count, lines: Object.fromEntries(Object.entries(e.lines).map(([f, w]) => [f, linesFromWire(w!)])), keys: e.keys, templateValues: e.templateValues, refValues: e.refValues, ...(e.summary ? { summary: e.summary } : {}),
          dropped: res.invalid.map((i) => i.offset),
          rejects: rejectsOf(src, res.invalid),
          routing: [], backends: {},
          ...(src ? { sourceKeys: src.keys } : {}),
        };
      }
      // A model dataset's prompts read legacy columns here: this process reads the range, on any worker.
      const rows = p.ds.source ? await import('./source-rows.js') : undefined;
      const src = rows ? await rows.readSourceBatch(rows.sourceFor(opts.specKey, spec, job.dataset), spec, job.dataset, job.start, job.count) : undefined;
      if (src) task.sourceRows = src.rows;
      let staged: StagedBatch = { datasetIndex: job.dataset, batch: job.batch, start: job.start, count: job.count, rejects: [], ...(job.route ? { route: job.route } : {}) };
      if (p.ds.fields) {
        const res = await pool.run(task);
        staged.records = res.records!;
        for (const inv of res.invalid) staged.records[inv.offset] = null;
        staged.rejects.push(...rejectsOf(src, res.invalid));
      } else {
        const keys = Object.keys(p.ds.shape ?? {});
        staged.records = Array.from({ length: job.count }, () => Object.fromEntries(keys.map((k) => [k, null])));
      }
      // The legacy columns the prompts name travel with each record through the model stages, and no further.
      if (src && p.promptColumns.length) staged.records!.forEach((r, k) => r && (r.source = Object.fromEntries(p.promptColumns.map((c) => [c, src.rows[k]?.[c] ?? null]))));
      const account: BatchAccount = { backends: {}, busyMs: 0, dataset: p.ds.name, batch: job.batch };
      if (opts.stages.length) {
        staged = await withBatchAccount(account, async () => {
          let b = staged;
          for (const stage of opts.stages) b = await stage.process(b, signal);
          return b;
        });
      }
      if (src && p.promptColumns.length) for (const r of staged.records ?? []) if (r) delete r.source;
      const out = encodeStaged(staged, p.encoders, p.refPaths, account);
      // The model stages ran here: so does the report's summary of the records they made.
      if (opts.summarize !== false && p.summarized(job.start)) {
        const [{ summarizeBatch }, { planDataset }] = await Promise.all([import('@synthfarm/report/batch-summary'), import('@synthfarm/report/column-plan')]);
        out.summary = summarizeBatch((p.plan ??= planDataset(p.ds, spec.datasets)), (staged.records ?? []).filter((r) => !!r), refLookup(refColumns, opts.specKey));
      }
      return src ? { ...out, sourceKeys: src.keys } : out;
    },
  };
}

/** Records of a dataset the report summarizes at most (rounded up to whole batches). */
export const REPORT_SAMPLE_RECORDS = 100_000;

/**
 * Whether the report summarizes the batch whose first record is `start`: every batch up to
 * REPORT_SAMPLE_RECORDS records, else those in every k-th of the spec's batches, evenly spread,
 * ~that many records in all. What a summary costs (~5 µs of CPU a record, most of a 1M-record
 * code-only run's difference from one without a report) is then bounded whatever the dataset's
 * size, as its memory is; the page says how many records it summarized. Decided by the spec and
 * the record's position alone, so an embedded run (whose code-only jobs are sub-batches of 250
 * records, numbered apart from the spec's batches) and a farm run summarize the same records.
 */
export function summarizedBatches(ds: { count: number; batchSize: number }): (start: number) => boolean {
  const batches = Math.ceil(ds.count / ds.batchSize);
  const wanted = Math.ceil(REPORT_SAMPLE_RECORDS / ds.batchSize);
  if (batches <= wanted) return () => true;
  const stride = Math.ceil(batches / wanted);
  return (start) => Math.floor(start / ds.batchSize) % stride === 0;
}

/** Rejects of a source batch with lineage: malformed rows name their line, the others their source key. */
function sourceRejects(dataset: string, source: string, start: number, src: SourceBatch, invalid: Array<{ offset: number; error: string }>) {
  const malformed = new Map(src.rejects.map((r) => [r.index - start, r]));
  return invalid.map((i) => malformed.get(i.offset) ?? { dataset, index: start + i.offset, reason: 'transform_error', error: i.error, source, sourceKey: src.keys[i.offset] });
}

function encodeStaged(b: StagedBatch, encoders: ReadonlyArray<readonly [Format, (r: DataRecord) => string]>, refPaths: string[][], account: BatchAccount): BatchOutput {
  const records = b.records!;
  const dropped: number[] = [];
  records.forEach((r, k) => r || dropped.push(k));
  const lines = Object.fromEntries(encoders.map(([f, enc]) => [f, packLines(records.map((r) => (r ? enc(r) : '')))]));
  const refValues = refPaths.map((path) => records.map((r) => (r ? path.reduce<unknown>((o, s) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[s] : undefined), r) : undefined)));
  return {
    count: b.count, lines, dropped, refValues, rejects: b.rejects, routing: b.routing ?? [], ...(b.verdicts?.length ? { verdicts: b.verdicts } : {}),
    ...(b.audit ? { audit: b.audit } : {}),
    backends: account.backends, busyMs: account.busyMs,
    ...(account.calls?.length || account.hostStates?.length ? { events: [...(account.calls ?? []).filter((e) => !!e), ...(account.hostStates ?? [])] } : {}),
  };
}
