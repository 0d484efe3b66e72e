import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SynthfarmError, createLogger, serializeError, type Logger } from '@synthfarm/core';
import { CompiledDataset, FakerRegistry, UniqueIndex, type RecordOp } from '@synthfarm/codegen';
import { applyMaxRejects, batchRangeList, createCodegenPool, failedDatasets, lineAt, referencedFields, type CodegenPool, type DatasetManifest, type Manifest, type Progress, type RoutingDecision, type RunStatus } from '@synthfarm/engine';
import { csvHeader, openConfinedDir, ResumableFile, RunOutput, type ConfinedDir, type Reject, type SinkFile } from '@synthfarm/output';
import { datasetColumns } from '@synthfarm/spec';
import { storedRefColumns } from './stored-ref-columns.js';
import type { AuditSummary } from '@synthfarm/stages';
import { BatchJobSchema, jobId, queueFor, type BatchJob } from './batch-job.js';
import type { BatchOutput } from './batch-output.js';
import type { BatchStore } from './batch-store.js';
import { BATCH_ATTEMPTS } from './farm-constants.js';
import type { FarmKeys } from './keys.js';
import { assertNotFinished, RunLock, runLockKey } from './run-lock.js';
import { cancelRequested } from './cancel-run.js';
import { modelOf, watchWorkers } from './worker-watch.js';
import { callsPerBatch, liveWorkers, windowFor } from './batch-sizing.js';
import type { DatasetCommit, RunStore } from './run-store.js';

export interface CoordinatorOptions {
  redis: Redis;
  redisUrl: string;
  keys: FarmKeys;
  store: RunStore;
  results: BatchStore;
  runId: string;
  /**
   * Least batches handed out ahead of the aggregator, per dataset. The window is twice what the
   * live workers serving the dataset hold (see batch-sizing.ts), re-read from their heartbeats
   * every 2 s, and never below this. Bounds Redis and aggregator memory (results wait in Redis
   * at most this many). Default 32.
   */
  window?: number;
  /** Code threads for uniqueness admission (only datasets with unique fields use them). Default 1. */
  threads?: number;
  onProgress?: (p: Progress) => void;
  /** Said while the run waits for workers (none serves its model); default: the log at warn. */
  onWarning?: (message: string) => void;
  log?: Logger;
  signal?: AbortSignal;
}

/**
 * The producer and the aggregator of one farm run, resumable: all state lives in Redis and in
 * the output directory's part files. It hands out batch descriptors in order (uniqueness is
 * decided here, and travels as replayable ops), and appends finished batches strictly in
 * record order, each exactly once: a batch is committed by moving the run's pointer past it,
 * atomically with the byte offsets of the files, after its bytes are written.
 */
export async function runCoordinator(opts: CoordinatorOptions): Promise<Manifest> {
  const { store, results, runId, keys, redis } = opts;
  const log = opts.log ?? createLogger({ name: 'coordinator' });
  const meta = await store.meta(runId);
  if (!meta) throw new SynthfarmError('USAGE', `[farm] no run ${runId} in this Redis`, 2);
  const spec = meta.spec;
  const specJson = JSON.stringify(spec);
  // A finished run is refused before and again after taking the lock (it may finish while we
  // wait for it): coordinating it again would rewrite its manifest and state as failed.
  await assertNotFinished(store, runId);
  const lock = new RunLock(redis, runLockKey(keys, runId));
  await lock.acquire(runId, { signal: opts.signal });
  try {
    await assertNotFinished(store, runId);
  } catch (err) {
    await lock.release().catch(() => undefined);
    throw err;
  }
  lock.keepAlive();
  let current: number | undefined;
  const stopWatch = watchWorkers({ redis, keys, redisUrl: opts.redisUrl, spec, current: () => current, warn: opts.onWarning ?? ((m) => log.warn(m)) });
  let checkedCancel = 0;
  const cancelled = async () => {
    if (Date.now() - checkedCancel < 250) return false;
    checkedCancel = Date.now();
    return cancelRequested(redis, keys, runId);
  };
  const minWindow = opts.window ?? 32;
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: { url: opts.redisUrl, maxRetriesPerRequest: null },
        prefix: keys.prefix,
        defaultJobOptions: { attempts: BATCH_ATTEMPTS, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 1000 } },
      });
      q.on('error', (err) => log.warn({ err: err.message }, 'queue connection error'));
      queues.set(name, q);
    }
    return q;
  };
  let pool: CodegenPool | undefined;
  const routing: RoutingDecision[] = [];
  const audit: AuditSummary = { sampled: 0, enrichFailures: 0, audited: 0, defects: 0, regeneratedBatches: [], auditErrors: 0, sampleProblems: [] };
  const datasets: Record<string, DatasetManifest> = {};
  const datasetsMs: Record<string, number> = {};
  const startedAt = new Date(meta.createdAt);
  // Files are opened through `dir`: the output directory, or for a posted run the directory
  // opened inside the server's out root without following links (its /proc/self/fd path).
  let dir = meta.outDir;
  let confined: ConfinedDir | undefined;
  const wanted = referencedFields(spec);
  let status: RunStatus = 'completed';
  let failure: unknown;
  let rejects: ResumableFile | undefined;
  let out: RunOutput | undefined;
  // Part files (appended, resumable) live in the output directory under hidden names; a finished
  // file is renamed into the run's staging directory, and all of them are published at the end.
  let stage = dir;
  const total = meta.total;
  const counters = { done: 0, written: 0, rejected: 0 };

  try {
    await store.setState(runId, 'running');
    if (meta.outRoot) dir = (confined = await openConfinedDir(meta.outRoot, meta.outDir)).handle;
    out = await RunOutput.open(dir, runId, { resumable: true });
    stage = out.staging;
    const commits = await Promise.all(spec.datasets.map((_, d) => store.datasetCommit(runId, d)));
    const lastRejects = [...commits].reverse().find((c) => c.offsets.rejects !== undefined)?.offsets.rejects;
    rejects = await ResumableFile.open(join(stage, 'rejects.jsonl'), runId, lastRejects, dir);
    for (const c of commits) {
      counters.done += c.written + c.rejected;
      counters.written += c.written;
      counters.rejected += c.rejected;
    }
    const fakers = await FakerRegistry.forSpec(spec);

    for (let d = 0; d < spec.datasets.length; d++) {
      const ds = spec.datasets[d]!;
      const t0 = performance.now();
      let commit = commits[d]!;
      const m: DatasetManifest = { requested: ds.count, written: commit.written, rejected: commit.rejected, uniqueRedraws: commit.uniqueRedraws ?? 0, files: [] };
      datasets[ds.name] = m;
      if (commit.finished) {
        for (const f of spec.output.formats) m.files.push({ ...(await ResumableFile.info(join(stage, `${ds.name}.${f}`))), format: f, rows: commit.written });
        continue;
      }
      if (status !== 'completed') {
        await rejectRest(ds.name, m, 0);
        continue;
      }
      const ranges = batchRangeList(ds.count, ds.batchSize);
      const fresh = commit.offsets[spec.output.formats[0]!] === undefined;
      if (!fresh && commit.committed === ranges.length && (await renamedAlready(dir, stage, ds.name, spec.output.formats, runId))) {
        // Died between renaming the files and recording it: the files are complete.
        for (const f of spec.output.formats) m.files.push({ ...(await ResumableFile.info(join(stage, `${ds.name}.${f}`))), format: f, rows: commit.written });
        await store.commit(runId, d, { ...commit, finished: true }, { done: 0, written: 0, rejected: 0 }, []);
        continue;
      }
      const files = new Map<string, ResumableFile>();
      for (const f of spec.output.formats) {
        const file = await ResumableFile.open(join(stage, `${ds.name}.${f}`), runId, fresh ? undefined : commit.offsets[f], dir);
        if (fresh && f === 'csv') await file.append(csvHeader(datasetColumns(spec.datasets[d]!)));
        files.set(f, file);
      }
      const q = queue(queueFor(spec, d));
      const refFields = [...wanted].filter((k) => k.startsWith(`${ds.name}.`)).map((k) => k.slice(ds.name.length + 1));

      // Uniqueness is decided here, in record order; workers replay the resulting ops.
      const compiled = ds.fields ? new CompiledDataset(spec, d, fakers) : undefined;
      const unique = compiled && compiled.uniqueNodes.length ? new UniqueIndex(compiled) : undefined;
      if (compiled && unique) {
        compiled.setRefColumns(await storedRefColumns(store, runId, spec, d));
        pool ??= createCodegenPool(opts.threads ?? 1, { maxBatchRecords: Math.max(...spec.datasets.map((x) => x.batchSize)) });
      }
      const admit = async (b: number): Promise<Record<string, RecordOp[]>> => {
        if (!unique || !compiled) return {};
        const r = ranges.at(b);
        const res = await pool!.run({ specKey: runId, specJson, datasetIndex: d, start: r.start, count: r.count, refColumns: await storedRefColumns(store, runId, spec, d), encode: { formats: [], columns: [], escapeFormulas: true, refFields: [] } });
        const e = res.encoded!;
        const u = compiled.uniqueNodes.length;
        const ops: Record<string, RecordOp[]> = {};
        const invalid = new Set(res.invalid.map((i) => i.offset));
        for (let k = 0; k < r.count; k++) {
          if (invalid.has(k)) continue;
          const suffixed = unique.admitKeys(e.keys, (j) => lineAt(e.templateValues, j), k * u, r.start + k);
          if (suffixed) {
            if (suffixed.length) ops[k] = suffixed;
            continue;
          }
          const log: RecordOp[] = [];
          unique.admit(compiled.generate(r.start + k), r.start + k, log);
          ops[k] = log;
        }
        return ops;
      };
      const jobFor = async (b: number): Promise<BatchJob> => ({ runId, dataset: d, batch: b, start: ranges.at(b).start, count: ranges.at(b).count, ops: (await admit(b)) as BatchJob['ops'] });

      // A resumed coordinator rebuilds the unique index by replaying admission, and re-offers
      // batches it handed out but never committed (job ids make that idempotent).
      let produced = await store.produced(runId, d);
      const replay: BatchJob[] = [];
      for (let b = 0; b < produced; b++) {
        const job = await jobFor(b);
        if (b >= commit.committed) replay.push(job);
      }
      if (replay.length) await addJobs(q, replay);

      // Sized to the farm that is there: 64 hosts × 8 slots need ~10× the batches 4 × 4 do.
      const calls = callsPerBatch(ds);
      const model = modelOf(spec, d);
      let window = minWindow;
      let windowAt = 0;
      const sizeWindow = async () => {
        if (Date.now() - windowAt < 2000) return;
        windowAt = Date.now();
        window = windowFor(await liveWorkers(redis, keys).catch(() => []), model, calls, minWindow);
      };
      let lastProgress = Date.now();
      let stopped: RunStatus | undefined;
      current = d;
      while (commit.committed < ranges.length) {
        if (await cancelled()) {
          // Nothing more is dispatched or written: what was not written becomes rejects.
          stopped = 'cancelled';
          await dropPending(q, results, runId, d, commit.committed, produced);
          break;
        }
        await sizeWindow();
        const batch: BatchJob[] = [];
        while (!stopped && produced < ranges.length && produced - commit.committed < window) {
          if (meta.maxCostUsd !== undefined && (await spent(store, runId)) >= meta.maxCostUsd) {
            stopped = 'budget_exceeded';
            break;
          }
          batch.push(await jobFor(produced));
          produced++;
        }
        if (batch.length) {
          await addJobs(q, batch);
          await store.setProduced(runId, d, produced);
        }
        if (stopped && commit.committed >= produced) break;
        const b = commit.committed;
        const out = await results.get(runId, d, b);
        if (!out) {
          if (opts.signal?.aborted) throw new SynthfarmError('INTERNAL', '[farm] coordinator stopped', 1);
          await results.wait(runId, 1000);
          if (Date.now() - lastProgress > 5000) {
            lastProgress = Date.now();
            const failed = await checkStuck(q, runId, d, b, ranges.at(b), ds.name, log, async () => addJobs(q, [await jobFor(b)]));
            if (failed) await results.put(runId, d, b, failed);
          }
          continue;
        }
        lastProgress = Date.now();
        for (const [f, file] of files) await file.append(out.lines[f as 'csv' | 'jsonl'] ?? '');
        await rejects.append(out.rejects.map((r) => JSON.stringify(r) + '\n').join(''));
        const n = ranges.at(b).count;
        commit = {
          produced, committed: b + 1, written: commit.written + out.rows, rejected: commit.rejected + out.rejects.length,
          offsets: { ...Object.fromEntries([...files].map(([f, file]) => [f, file.bytes])), rejects: rejects.bytes },
          uniqueRedraws: unique?.redrawn ?? 0,
        };
        await store.commit(runId, d, commit, { done: n, written: out.rows, rejected: out.rejects.length }, refFields.map((f, r) => [`${ds.name}.${f}`, out.refValues[r] ?? []]));
        await results.delete(runId, d, b);
        routing.push(...out.routing);
        if (out.audit) mergeAudit(audit, out.audit);
        m.written = commit.written;
        m.rejected = commit.rejected;
        counters.done += n;
        counters.written += out.rows;
        counters.rejected += out.rejects.length;
        opts.onProgress?.({ dataset: ds.name, total, ...counters });
      }
      current = undefined;
      if (stopped) {
        status = stopped;
        await rejectRest(ds.name, m, commit.written + commit.rejected);
      }
      for (const [f, file] of files) m.files.push({ ...(await file.commit()), format: f as 'csv' | 'jsonl', rows: m.written });
      m.uniqueRedraws = unique?.redrawn ?? m.uniqueRedraws;
      await store.commit(runId, d, { ...commit, written: m.written, rejected: m.rejected, finished: true, offsets: { ...commit.offsets, rejects: rejects.bytes } }, { done: 0, written: 0, rejected: 0 }, []);
      datasetsMs[ds.name] = Math.round(performance.now() - t0);
    }
  } catch (err) {
    failure = err;
    status = 'failed';
  } finally {
    stopWatch();
    await pool?.close();
    await Promise.all([...queues.values()].map((q) => q.close()));
  }

  let rejectsFile = { path: 'rejects.jsonl', rows: 0, bytes: 0, sha256: '' };
  if (!failure && rejects) {
    try {
      rejectsFile = { ...rejectsFile, ...(await rejects.commit()), rows: counters.rejected, path: 'rejects.jsonl' };
    } catch (err) {
      failure = err;
      status = 'failed';
    }
  } else await rejects?.close();
  const totals = await store.backendTotals(runId).catch(() => ({}));
  const finishedAt = new Date();
  const manifest: Manifest = {
    runId, status, mode: 'farm', seed: spec.seed, specSha256: meta.specSha256, offline: meta.offline,
    startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(),
    datasets: failure ? failedDatasets(spec.datasets, datasets) : relative(datasets, stage),
    rejects: { ...rejectsFile, format: 'jsonl' },
    backends: Object.fromEntries(Object.entries(totals).map(([n, t]) => [n, { provider: spec.backends[n]?.provider, model: spec.backends[n]?.model, ...t }])),
    routing,
    ...(spec.stages.enrich && !meta.offline ? { audit } : {}),
    timings: { totalMs: finishedAt.getTime() - startedAt.getTime(), datasetsMs },
  };
  if (failure) {
    const e = serializeError(failure);
    manifest.error = { code: e.code, message: e.message };
  } else applyMaxRejects(manifest, meta.maxRejects);
  // A coordinator stopped on purpose (resume will finish the run) leaves the run as it is.
  if (!(failure && opts.signal?.aborted)) {
    // A posted run whose directory could not be opened safely has nowhere safe for a manifest.
    if (!meta.outRoot || confined) {
      try {
        if (out) await out.publish(manifest);
      } catch (err) {
        await out?.discard();
        failure ??= err;
      }
    }
    // A failed run's unfinished part files go too: it will not be resumed.
    await removeParts(dir, runId);
    await store.setState(runId, failure ? 'failed' : manifest.status, failure ? serializeError(failure).message : manifest.error?.message);
  }
  await confined?.close().catch(() => undefined);
  await lock.release().catch(() => undefined);
  if (failure) throw failure;
  return manifest;

  /** Records never generated because the run stopped are rejects too: nothing disappears. */
  async function rejectRest(dataset: string, m: DatasetManifest, from: number): Promise<void> {
    const chunk: Reject[] = [];
    for (let i = from; i < m.requested; i++) {
      chunk.push({ dataset, index: i, reason: status, error: `not generated: the run stopped (${status})` });
      if (chunk.length === 1000) await rejects!.append(chunk.splice(0).map((r) => JSON.stringify(r) + '\n').join(''));
    }
    await rejects!.append(chunk.map((r) => JSON.stringify(r) + '\n').join(''));
    m.rejected += m.requested - from;
    counters.rejected += m.requested - from;
    counters.done += m.requested - from;
    // The run's counters (status, GET /runs/:id) count them too: written + rejected = requested.
    await redis.multi().hincrby(keys.run(runId), 'done', m.requested - from).hincrby(keys.run(runId), 'rejected', m.requested - from).exec();
  }
}

/** Takes a cancelled run's batches off the queue (those a worker holds finish unused) and drops their results. */
async function dropPending(q: Queue, results: BatchStore, runId: string, d: number, from: number, to: number): Promise<void> {
  for (let b = from; b < to; b++) {
    await (await q.getJob(jobId(runId, d, b)))?.remove().catch(() => undefined);
    await results.delete(runId, d, b);
  }
}

async function addJobs(q: Queue, jobs: BatchJob[]): Promise<void> {
  // Bulk adds in chunks: one round trip per 100 descriptors.
  for (let i = 0; i < jobs.length; i += 100) {
    await q.addBulk(jobs.slice(i, i + 100).map((j) => ({ name: 'batch', data: BatchJobSchema.parse(j), opts: { jobId: jobId(j.runId, j.dataset, j.batch) } })));
  }
}

/**
 * A batch that never arrives: re-offered when its job vanished (Redis lost it), turned into
 * rejects when its job failed for good, so the run still ends with every record accounted for.
 */
async function checkStuck(q: Queue, runId: string, d: number, b: number, r: { start: number; count: number }, dataset: string, log: Logger, reoffer: () => Promise<void>): Promise<BatchOutput | undefined> {
  const job = await q.getJob(jobId(runId, d, b));
  if (!job) {
    // Gone without a result (Redis lost writes), or completed just now: re-adding is safe
    // either way, a result is idempotent.
    log.warn({ runId, dataset: d, batch: b }, 'batch job missing; re-offering it');
    await reoffer();
    return undefined;
  }
  const state = await job.getState();
  // 'failed' is final in BullMQ (a job with attempts left waits in 'delayed' or 'wait'); a job
  // failed early (stalled too often, unrecoverable) has attemptsMade < attempts and is final too.
  if (state !== 'failed') return undefined;
  const error = `batch failed after ${job.attemptsMade} attempts: ${job.failedReason}`;
  return {
    lines: {}, rows: 0, refValues: [], routing: [], host: '', busyMs: 0, backends: {},
    rejects: Array.from({ length: r.count }, (_, k) => ({ dataset, index: r.start + k, reason: 'batch_failed', error })),
  };
}

async function spent(store: RunStore, runId: string): Promise<number> {
  const totals = await store.backendTotals(runId);
  return Object.values(totals).reduce((n, t) => n + (t.cost ?? 0), 0);
}

function mergeAudit(into: AuditSummary, a: AuditSummary): void {
  into.sampled += a.sampled;
  into.enrichFailures += a.enrichFailures;
  into.audited += a.audited;
  into.defects += a.defects;
  into.auditErrors += a.auditErrors;
  into.regeneratedBatches.push(...a.regeneratedBatches);
  for (const p of a.sampleProblems) if (into.sampleProblems.length < 10) into.sampleProblems.push(p);
}

function relative(datasets: Record<string, DatasetManifest>, dir: string): Record<string, DatasetManifest> {
  for (const m of Object.values(datasets)) m.files = m.files.map((f: SinkFile) => ({ ...f, path: f.path.slice(dir.length).replace(/^[/\\]/, '') }));
  return datasets;
}

export type { DatasetCommit };

/** True when a dataset's files are staged and its part files gone (renamed before the crash). */
async function renamedAlready(dir: string, stage: string, name: string, formats: string[], runId: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  const exists = (p: string) => access(p).then(() => true, () => false);
  for (const f of formats) {
    if (await exists(join(dir, `.${name}.${f}.${runId}.part`))) return false;
    if (!(await exists(join(stage, `${name}.${f}`)))) return false;
  }
  return true;
}

/** Removes the run's part files left in `dir` (those of datasets it never finished). */
async function removeParts(dir: string, runId: string): Promise<void> {
  const { readdir, unlink } = await import('node:fs/promises');
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith('.') && n.endsWith(`.${runId}.part`)).map((n) => unlink(join(dir, n)).catch(() => undefined)));
}
