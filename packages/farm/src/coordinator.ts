import type { Redis } from 'ioredis';
import { SynthfarmError, createLogger, serializeError, type Logger } from '@synthfarm/core';
import { createCodegenPool, lazyPool, runCommitter, type Manifest, type Progress } from '@synthfarm/engine';
import { isModelDataset } from '@synthfarm/spec';
import { usedBackendNames } from '@synthfarm/stages';
import { createRedisEventLog } from './redis-event-log.js';
import type { BatchStore } from './batch-store.js';
import { createBullmqExecutor } from './bullmq-executor.js';
import type { FarmKeys } from './keys.js';
import { createRedisRunState } from './redis-run-state.js';
import { assertNotFinished, RunLock, runLockKey } from './run-lock.js';
import type { RunStore } from './run-store.js';
import { cancelRequested } from './cancel-run.js';
import { watchWorkers } from './worker-watch.js';

export interface CoordinatorOptions {
  redis: Redis;
  redisUrl: string;
  keys: FarmKeys;
  store: RunStore;
  results: BatchStore;
  runId: string;
  /**
   * Batches handed out ahead of the aggregator, per dataset. Bounds Redis and aggregator memory
   * (results wait in Redis at most this many); enough to keep every worker slot busy. Default 32.
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
  // `synthfarm cancel` / DELETE /runs/:id set a flag in the run hash; read at most every 250 ms.
  const cancelled = async () => {
    if (Date.now() - checkedCancel < 250) return false;
    checkedCancel = Date.now();
    return cancelRequested(redis, keys, runId);
  };
  const window = opts.window ?? 32;
  // Threads only for the key pass of unique fields, started on first use.
  const pool = lazyPool(() => createCodegenPool(opts.threads ?? 1, { maxBatchRecords: Math.max(...spec.datasets.map((x) => x.batchSize)) }));
  let result: Awaited<ReturnType<typeof runCommitter>>;
  try {
    await store.setState(runId, 'running');
    result = await runCommitter({
      runId, mode: 'farm', spec, specSha256: meta.specSha256, specKey: runId, offline: meta.offline,
      // A posted run's directory is opened inside the server's out root without following links.
      dir: meta.outDir, outRoot: meta.outRoot, startedAt: new Date(meta.createdAt),
      state: createRedisRunState(store, runId, spec),
      executor: createBullmqExecutor({ redisUrl: opts.redisUrl, keys, results, spec, log, signal: opts.signal }),
      pool,
      window: () => window,
      shouldStop: async () => (meta.maxCostUsd !== undefined && (await spent(store, runId)) >= meta.maxCostUsd ? 'budget_exceeded' : undefined),
      cancelled,
      onDataset: (d) => (current = d),
      backends: () => (meta.offline ? {} : Object.fromEntries(usedBackendNames(spec).map((n) => [n, { provider: spec.backends[n]?.provider, model: spec.backends[n]?.model }]))),
      // events.jsonl as in embedded mode, and a bounded stream for live views in other processes.
      events: createRedisEventLog(redis, keys, runId),
      onRecord: recordWriter(store, runId),
      audit: !!spec.stages.enrich && !meta.offline && spec.datasets.some(isModelDataset),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      maxRejects: meta.maxRejects,
      ...(opts.signal ? { signal: opts.signal } : {}),
      resumable: true,
    });
  } catch (err) {
    result = { manifest: undefined as unknown as Manifest, failure: err, left: !!opts.signal?.aborted };
  } finally {
    stopWatch();
    await pool.close();
  }
  const { manifest, left } = result;
  let failure = result.failure;
  // A coordinator stopped on purpose (resume will finish the run) leaves the run as it is.
  if (!left) await store.setState(runId, failure ? 'failed' : manifest.status, failure ? serializeError(failure).message : manifest.error?.message).catch((err) => (failure ??= err));
  await lock.release().catch(() => undefined);
  if (failure) throw failure;
  return manifest;
}

async function spent(store: RunStore, runId: string): Promise<number> {
  const totals = await store.backendTotals(runId);
  return Object.values(totals).reduce((n, t) => n + (t.cost ?? 0), 0);
}


/** Stores the run's record at most every 250 ms, and always the final one. */
function recordWriter(store: RunStore, runId: string): (record: import('@synthfarm/engine').RunRecord, final: boolean) => Promise<void> {
  let last = 0;
  return async (record, final) => {
    if (!final && Date.now() - last < 250) return;
    last = Date.now();
    await store.setRecord(runId, record).catch(() => undefined);
  };
}
