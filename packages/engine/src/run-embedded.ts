import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { serializeError, sha256, type Logger } from '@synthfarm/core';
import { CompiledDataset, FakerRegistry, UniqueIndex, getPath, type DataRecord } from '@synthfarm/codegen';
import { createLinePatcher, createSink, RejectsSink, RunOutput, type Reject, type Sink, type SinkFile } from '@synthfarm/output';
import { datasetColumns, type LoadedSpec } from '@synthfarm/spec';
import type { BatchTask, EncodeRequest } from './batch-task.js';
import { assembleLines, lineAt } from './packed-lines.js';
import { createCodegenPool, type CodegenPool } from './codegen-pool.js';
import type { DatasetManifest, Manifest, RunStatus } from './manifest.js';
import { eachBatchRange } from './plan.js';
import { RefCollector, referencedFields } from './ref-columns.js';
import { applyMaxRejects, failedDatasets } from './run-verdict.js';
import type { RecordStage, StagedBatch } from './staged-batch.js';

/** Largest thread task of a code-only dataset, in records. */
export const CODE_TASK_RECORDS = 250;

/** Progress of a run, reported after every committed batch. */
export interface Progress {
  dataset: string;
  /** Records committed (written or rejected) over all datasets so far. */
  done: number;
  total: number;
  written: number;
  rejected: number;
  /** Output tokens the model stages spent so far. */
  tokensOut?: number;
}

export interface RunEmbeddedOptions {
  loaded: LoadedSpec;
  /** Code-stage worker threads; 0 = inline. Default: one per core. */
  threads?: number;
  /** A pool to reuse (the caller closes it); overrides `threads`. */
  pool?: CodegenPool;
  /** Model stages applied to each batch after the code stage, in order. */
  stages?: RecordStage[];
  /**
   * Batches in flight at most for a dataset (default: eight per code thread, at least 8).
   * Model datasets want fewer: enough to keep the model's slots busy, and no more, so a budget
   * stop leaves little in flight.
   */
  windowFor?: (datasetIndex: number) => number | undefined;
  /** Stops taking new batches when it returns true (a spent budget); in-flight batches finish. */
  shouldStop?: () => RunStatus | undefined;
  /** Extra manifest sections (backends, routing, audit) filled by the stages. */
  manifestExtras?: () => Pick<Manifest, 'backends' | 'routing'> & { audit?: unknown };
  offline?: boolean;
  runId?: string;
  onProgress?: (p: Progress) => void;
  log?: Logger;
  /**
   * Stops the run: in-flight work is dropped, nothing is published (the output directory keeps
   * the previous run's files) and the signal's reason is thrown.
   */
  signal?: AbortSignal;
  /**
   * Most rejected records a run may have and still be `completed`; past it the run's files are
   * published with status `failed` (error code TOO_MANY_REJECTS). Default: no limit.
   */
  maxRejects?: number;
}

/** Creates a run id: sortable by time, unique enough for one machine or farm. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${randomBytes(3).toString('hex')}`;
}

/**
 * The embedded pipeline: plan → batches on worker threads → in-order uniqueness → model
 * stages (concurrent) → in-order commit to CSV/JSONL, rejects and manifest.
 * Memory is bounded by the window of in-flight batches, not by the record count.
 */
export async function runEmbedded(opts: RunEmbeddedOptions): Promise<Manifest> {
  const { spec, sha256: specSha256 } = opts.loaded;
  const startedAt = new Date();
  const runId = opts.runId ?? newRunId(startedAt);
  const dir = spec.output.dir;
  // Worker threads cache compiled datasets by this key: the spec as parsed (seed and overrides
  // included), not the file's hash, so a --seed override never meets a stale compilation.
  const specJson = JSON.stringify(spec);
  const specKey = sha256(specJson);
  const out = await RunOutput.open(dir, runId);
  const pool = opts.pool ?? createCodegenPool(opts.threads, { maxBatchRecords: Math.max(...spec.datasets.map((d) => d.batchSize)) });
  const rejects = new RejectsSink(out.path('rejects.jsonl'));
  const open: Sink[] = [];
  const datasets: Record<string, DatasetManifest> = {};
  const datasetsMs: Record<string, number> = {};
  const refs = new RefCollector(referencedFields(spec));
  const total = spec.datasets.reduce((n, d) => n + d.count, 0);
  const counters = { done: 0, written: 0, rejected: 0 };
  let status: RunStatus = 'completed';
  let fakers: Promise<FakerRegistry> | undefined;
  let failure: unknown;
  let rejectsFile: Omit<SinkFile, 'format'> = { path: 'rejects.jsonl', rows: 0, bytes: 0, sha256: '' };

  try {
    for (let d = 0; d < spec.datasets.length; d++) {
      const ds = spec.datasets[d]!;
      const t0 = performance.now();
      const sinks = spec.output.formats.map((f) => createSink(f, out.path(`${ds.name}.${f}`), { columns: datasetColumns(ds), escapeFormulas: spec.output.escapeFormulas }));
      open.push(...sinks);
      const m: DatasetManifest = { requested: ds.count, written: 0, rejected: 0, uniqueRedraws: 0, files: [] };
      datasets[ds.name] = m;
      const compiled = ds.fields ? new CompiledDataset(spec, d, await (fakers ??= FakerRegistry.forSpec(spec))) : undefined;
      const unique = compiled ? new UniqueIndex(compiled) : undefined;
      if (compiled) compiled.setRefColumns(refs.shared);
      const refFields = refs.fieldsOf(ds.name).map((f) => f.split('.'));

      const encoders = Object.fromEntries(sinks.map((s) => [s.format, s.encode]));
      const patchers = Object.fromEntries(spec.output.formats.map((f) => [f, createLinePatcher(f, { columns: datasetColumns(ds), escapeFormulas: spec.output.escapeFormulas })]));
      // Code-only datasets are encoded by the workers: the aggregator moves strings.
      const encode: EncodeRequest | undefined = ds.fields && !Object.values(ds.fields).some((f) => f.kind === 'llm')
        ? { formats: spec.output.formats, columns: datasetColumns(ds), escapeFormulas: spec.output.escapeFormulas, refFields: refFields.map((f) => f.join('.')) }
        : undefined;

      const commit = async (b: StagedBatch) => {
        let written = 0;
        if (b.encoded) {
          const { lines, refValues, dropped, replaced } = b.encoded;
          for (const s of sinks) await s.writeEncoded(assembleLines(lines[s.format]!, dropped, replaced?.[s.format]), b.count - dropped.size);
          refFields.forEach((segs, r) => {
            const vals = refValues[r]!;
            for (let k = 0; k < b.count; k++) if (!dropped.has(k)) refs.add(ds.name, segs.join('.'), vals[k]);
          });
          written = b.count - dropped.size;
        } else {
          const kept: DataRecord[] = [];
          for (const r of b.records ?? []) {
            if (!r) continue;
            kept.push(r);
            for (const segs of refFields) refs.add(ds.name, segs.join('.'), getPath(r, segs));
          }
          await Promise.all(sinks.map((s) => s.write(kept)));
          written = kept.length;
        }
        await rejects.write(b.rejects);
        m.written += written;
        m.rejected += b.rejects.length;
        counters.written += written;
        counters.rejected += b.rejects.length;
        counters.done += b.count;
        opts.onProgress?.({ dataset: ds.name, total, ...counters });
      };

      const stopped = await runBatches({
        // A code-only dataset's bytes do not depend on how it is cut, so its thread tasks are at
        // most CODE_TASK_RECORDS long: a task's garbage then dies young in the thread's heap
        // (measured: 250 → ~126k records/s and ~250 MB; 500 → ~118k and ~285 MB; 1000 → 95k).
        ranges: eachBatchRange(ds.count, encode ? Math.min(ds.batchSize, CODE_TASK_RECORDS) : ds.batchSize),
        window: opts.windowFor?.(d) ?? Math.max(8, pool.threads * 8),
        generate: async (r) => {
          const base = { datasetIndex: d, batch: r.batch, start: r.start, count: r.count };
          if (!ds.fields) return { ...base, records: emptyRecords(r.count, Object.keys(ds.shape ?? {})), rejects: [] };
          const task: BatchTask = { specKey, specJson, datasetIndex: d, start: r.start, count: r.count, refColumns: refs.shared, ...(encode ? { encode } : {}) };
          const res = await pool.run(task);
          const staged: StagedBatch = res.encoded
            ? { ...base, encoded: { ...res.encoded, dropped: new Set() }, rejects: [] }
            : { ...base, records: res.records!, rejects: [] };
          for (const inv of res.invalid) {
            if (staged.records) staged.records[inv.offset] = null;
            staged.encoded?.dropped.add(inv.offset);
            staged.rejects.push({ dataset: ds.name, index: r.start + inv.offset, reason: 'invalid_record', error: inv.error });
          }
          return staged;
        },
        admit: (b) => {
          if (!unique?.active) return;
          if (b.records) {
            b.records.forEach((rec, k) => rec && unique.admit(rec, b.start + k));
            return;
          }
          const e = b.encoded!;
          const u = compiled!.uniqueNodes.length;
          const templateValue = (j: number) => lineAt(e.templateValues, j);
          for (let k = 0; k < b.count; k++) {
            if (e.dropped.has(k)) continue;
            const i = b.start + k;
            const suffixed = unique.admitKeys(e.keys, templateValue, k * u, i);
            if (suffixed) {
              // Only templates collided: set their suffixed values in the encoded lines.
              for (const [id, op] of suffixed) {
                const path = compiled!.nodes[id]!.path;
                const v = (op as { v: unknown }).v;
                for (const f of Object.keys(e.lines)) setLine(e, f, k, patchers[f]!(currentLine(e, f, k), path, v));
                refFields.forEach((segs, r) => segs.join('.') === path && (e.refValues[r]![k] = v));
              }
              continue;
            }
            // A drawn field collided: rebuild the record here (same bytes as the worker's), redraw, re-encode.
            const rec = compiled!.generate(i);
            unique.admit(rec, i);
            for (const f of Object.keys(e.lines)) setLine(e, f, k, encoders[f]!(rec));
            refFields.forEach((segs, r) => (e.refValues[r]![k] = getPath(rec, segs)));
          }
        },
        stages: opts.stages ?? [],
        commit,
        shouldStop: opts.shouldStop,
        signal: opts.signal,
      });
      opts.signal?.throwIfAborted();
      if (unique) m.uniqueRedraws = unique.redrawn;
      if (stopped) {
        status = stopped;
        await commitSkipped(ds.name, m, rejects, counters, stopped);
        for (const later of spec.datasets.slice(d + 1)) {
          const lm: DatasetManifest = { requested: later.count, written: 0, rejected: 0, uniqueRedraws: 0, files: [] };
          datasets[later.name] = lm;
          await commitSkipped(later.name, lm, rejects, counters, stopped);
        }
      }
      for (const s of sinks) m.files.push(await s.commit());
      open.length = 0;
      refs.finish(ds.name);
      datasetsMs[ds.name] = Math.round(performance.now() - t0);
      if (stopped) break;
    }
    rejectsFile = { ...(await rejects.commit()), rows: rejects.count };
  } catch (err) {
    failure = err;
    status = 'failed';
    await Promise.all([...open.map((s) => s.abort()), rejects.abort()]);
  } finally {
    if (!opts.pool) await pool.close();
  }

  if (opts.signal?.aborted) {
    await out.discard();
    throw opts.signal.reason ?? failure;
  }
  const finishedAt = new Date();
  const extras = opts.manifestExtras?.() ?? { backends: {}, routing: [] };
  const manifest: Manifest = {
    runId, status, mode: 'embedded', seed: spec.seed, specSha256, offline: opts.offline ?? false,
    startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(),
    // A failed run publishes no data: its manifest says so rather than count records it lost.
    datasets: failure ? failedDatasets(spec.datasets, datasets) : relativeFiles(datasets, out.staging),
    rejects: { ...rejectsFile, path: 'rejects.jsonl', format: 'jsonl' },
    ...extras,
    timings: { totalMs: finishedAt.getTime() - startedAt.getTime(), datasetsMs },
  };
  if (failure) {
    const e = serializeError(failure);
    manifest.error = { code: e.code, message: e.message };
  } else applyMaxRejects(manifest, opts.maxRejects);
  try {
    await out.publish(manifest);
  } catch (err) {
    await out.discard();
    // The first failure is the one to report; a manifest that cannot be written is one itself.
    throw failure ?? err;
  }
  if (failure) throw failure;
  return manifest;
}

type Encoded = NonNullable<StagedBatch['encoded']>;

function currentLine(e: Encoded, f: string, k: number): string {
  return e.replaced?.[f]?.get(k) ?? lineAt(e.lines[f as keyof Encoded['lines']]!, k);
}

function setLine(e: Encoded, f: string, k: number, line: string): void {
  e.replaced ??= {};
  (e.replaced[f] ??= new Map()).set(k, line);
}

/** Records of a shape dataset before the model writes them: every key present, null. */
function emptyRecords(n: number, keys: string[]): DataRecord[] {
  return Array.from({ length: n }, () => Object.fromEntries(keys.map((k) => [k, null])));
}

function relativeFiles(datasets: Record<string, DatasetManifest>, dir: string): Record<string, DatasetManifest> {
  for (const m of Object.values(datasets)) m.files = m.files.map((f) => ({ ...f, path: f.path.slice(dir.length).replace(/^[/\\]/, '') }));
  return datasets;
}

/** Records never generated because the run stopped are rejects too: nothing disappears. */
async function commitSkipped(dataset: string, m: DatasetManifest, rejects: RejectsSink, counters: { done: number; rejected: number }, why: RunStatus): Promise<void> {
  const from = m.written + m.rejected;
  const chunk: Reject[] = [];
  for (let i = from; i < m.requested; i++) {
    chunk.push({ dataset, index: i, reason: why, error: `not generated: the run stopped (${why})` });
    if (chunk.length === 1000) await rejects.write(chunk.splice(0));
  }
  await rejects.write(chunk);
  const n = m.requested - from;
  m.rejected += n;
  counters.rejected += n;
  counters.done += n;
}

interface BatchFlow {
  ranges: Iterable<{ batch: number; start: number; count: number }>;
  /** Batches in flight at most (generated but not yet committed). */
  window: number;
  generate(r: { batch: number; start: number; count: number }): Promise<StagedBatch>;
  /** In record order, before the model stages (uniqueness). */
  admit(b: StagedBatch): void;
  stages: RecordStage[];
  /** In record order. */
  commit(b: StagedBatch): Promise<void>;
  shouldStop?: (() => RunStatus | undefined) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Runs batches through generate (parallel) → admit (in order) → stages (parallel) → commit
 * (in order), with at most `window` batches in flight. Returns the stop status if stopped early.
 */
async function runBatches(flow: BatchFlow): Promise<RunStatus | undefined> {
  const controller = new AbortController();
  const signal = flow.signal ? AbortSignal.any([flow.signal, controller.signal]) : controller.signal;
  // Every model call of every in-flight batch listens on this one signal.
  setMaxListeners(0, signal);
  let admitted: Promise<unknown> = Promise.resolve();
  let committed: Promise<unknown> = Promise.resolve();
  const inflight: Promise<unknown>[] = [];
  let stopped: RunStatus | undefined;
  try {
    for (const r of flow.ranges) {
      if (inflight.length >= flow.window) await inflight.shift();
      stopped = flow.shouldStop?.();
      if (stopped || signal.aborted) break;
      const generated = flow.generate(r);
      const prevAdmitted = admitted;
      const afterAdmit = Promise.all([generated, prevAdmitted]).then(([b]) => {
        flow.admit(b);
        return b;
      });
      admitted = afterAdmit;
      let staged: Promise<StagedBatch> = afterAdmit;
      for (const stage of flow.stages) staged = staged.then((b) => stage.process(b, signal));
      const prevCommitted = committed;
      committed = Promise.all([staged, prevCommitted]).then(([b]) => flow.commit(b));
      for (const p of [generated, afterAdmit, staged, committed]) p.catch(() => controller.abort());
      inflight.push(committed);
    }
    await committed;
    return stopped;
  } catch (err) {
    controller.abort();
    await Promise.allSettled(inflight);
    throw err;
  }
}
