import type { RefColumns } from '@synthfarm/codegen';
import { storedRefColumns } from './stored-ref-columns.js';
import { generateBatch, type StagedBatch } from '@synthfarm/engine';
import type { LlmBackend } from '@synthfarm/llm';
import { createRecordEncoder, type Format } from '@synthfarm/output';
import { datasetColumns, type Spec } from '@synthfarm/spec';
import { createModelStages, type ModelStages } from '@synthfarm/stages';
import { withJobAccounting, emptyDelta } from './accounting-backend.js';
import type { BackendDelta, BatchOutput } from './batch-output.js';
import type { BatchJob } from './batch-job.js';
import type { RunMeta, RunStore } from './run-store.js';

/** What a worker keeps per run: the spec (secrets resolved here), shared backends, ref columns. */
export interface RunContext {
  meta: RunMeta;
  spec: Spec;
  /** Backends shared by every job of this run on this worker. */
  backends: Map<string, LlmBackend>;
  refColumns: Map<number, RefColumns>;
}

/** The ref columns of dataset `d`, loaded once per run and dataset on this worker. */
export async function refColumnsFor(ctx: RunContext, store: RunStore, d: number): Promise<RefColumns> {
  let cols = ctx.refColumns.get(d);
  if (!cols) ctx.refColumns.set(d, (cols = await storedRefColumns(store, ctx.meta.runId, ctx.spec, d)));
  return cols;
}

/**
 * Runs one batch on a worker: code fields (replaying uniqueness changes), the model stages on
 * this worker's backends, then encodes the lines the aggregator appends. Deterministic: the
 * same job gives the same output bytes on any worker, and the same as embedded mode.
 */
export async function processBatch(ctx: RunContext, job: BatchJob, refColumns: RefColumns, refFields: string[], signal: AbortSignal, host: string): Promise<BatchOutput> {
  const { spec } = ctx;
  const ds = spec.datasets[job.dataset]!;
  const deltas: Record<string, BackendDelta> = {};
  let busyMs = 0;
  let staged: StagedBatch = { datasetIndex: job.dataset, batch: job.batch, start: job.start, count: job.count, rejects: [] };
  if (ds.fields) {
    const ops = Object.fromEntries(Object.entries(job.ops).map(([k, v]) => [Number(k), v]));
    const res = await generateBatch({ specKey: ctx.meta.runId, spec, datasetIndex: job.dataset, start: job.start, count: job.count, refColumns, ops });
    staged.records = res.records!;
    for (const inv of res.invalid) {
      staged.records[inv.offset] = null;
      staged.rejects.push({ dataset: ds.name, index: job.start + inv.offset, reason: 'invalid_record', error: inv.error });
    }
  } else {
    staged.records = Array.from({ length: job.count }, () => Object.fromEntries(Object.keys(ds.shape ?? {}).map((k) => [k, null])));
  }
  let model: ModelStages | undefined;
  if (ctx.meta.offline || ctx.backends.size) {
    const wrapped = new Map([...ctx.backends].map(([n, b]) => {
      const delta = (deltas[n] = emptyDelta());
      return [n, withJobAccounting(b, spec.backends[n]!, delta, (ms) => (busyMs += ms))] as const;
    }));
    model = await createModelStages({ spec, sha256: ctx.meta.specSha256, source: 'farm', missingEnv: [], secretRefs: {} }, { offline: ctx.meta.offline, backends: wrapped, skipCheck: true });
    for (const stage of model.stages) staged = await stage.process(staged, signal);
  }
  const formats: Format[] = spec.output.formats;
  const columns = datasetColumns(ds);
  const encoders = formats.map((f) => [f, createRecordEncoder(f, { columns, escapeFormulas: spec.output.escapeFormulas })] as const);
  const lines: Partial<Record<Format, string>> = {};
  const kept = staged.records!.filter((r): r is NonNullable<typeof r> => !!r);
  for (const [f, enc] of encoders) lines[f] = kept.map(enc).join('');
  const refPaths = refFields.map((f) => f.split('.'));
  const refValues = refPaths.map((p) => kept.map((r) => p.reduce<unknown>((o, s) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[s] : undefined), r)).filter((v) => v !== null && v !== undefined));
  return { lines, rows: kept.length, rejects: staged.rejects, refValues, routing: model?.report.routing ?? [], ...(model && spec.stages.enrich ? { audit: model.report.audit } : {}), host, busyMs, backends: deltas };
}
