import type { Redis } from 'ioredis';
import { SynthfarmError, createLogger, serializeError, type Logger } from '@synthfarm/core';
import { createCodegenPool, lazyPool, resumableFiles, runCommitter, type Manifest, type Progress } from '@synthfarm/engine';
import { isModelDataset } from '@synthfarm/spec';
import type { BatchStore } from './batch-store.js';
import { createBullmqExecutor } from './bullmq-executor.js';
import type { FarmKeys } from './keys.js';
import { createRedisRunState } from './redis-run-state.js';
import type { RunStore } from './run-store.js';

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
  log?: Logger;
  signal?: AbortSignal;
}

const LOCK_TTL_MS = 10_000;

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
  await acquireLock(redis, keys, runId, opts.signal);
  const renew = setInterval(() => void redis.set(`${keys.run(runId)}:lock`, String(process.pid), 'PX', LOCK_TTL_MS).catch(() => undefined), LOCK_TTL_MS / 3);
  const window = opts.window ?? 32;
  // Threads only for the key pass of unique fields, started on first use.
  const pool = lazyPool(() => createCodegenPool(opts.threads ?? 1, { maxBatchRecords: Math.max(...spec.datasets.map((x) => x.batchSize)) }));
  let result: Awaited<ReturnType<typeof runCommitter>>;
  try {
    await store.setState(runId, 'running');
    result = await runCommitter({
      runId, mode: 'farm', spec, specSha256: meta.specSha256, specKey: runId, offline: meta.offline,
      dir: meta.outDir, startedAt: new Date(meta.createdAt),
      state: createRedisRunState(store, runId, spec),
      executor: createBullmqExecutor({ redisUrl: opts.redisUrl, keys, results, spec, log, signal: opts.signal }),
      files: resumableFiles(runId),
      pool,
      window: () => window,
      shouldStop: async () => (meta.maxCostUsd !== undefined && (await spent(store, runId)) >= meta.maxCostUsd ? 'budget_exceeded' : undefined),
      backends: async () => {
        const totals = await store.backendTotals(runId);
        return Object.fromEntries(Object.entries(totals).map(([n, t]) => [n, { provider: spec.backends[n]?.provider, model: spec.backends[n]?.model, ...t }]));
      },
      audit: !!spec.stages.enrich && !meta.offline && spec.datasets.some(isModelDataset),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      resumable: true,
    });
  } catch (err) {
    result = { manifest: undefined as unknown as Manifest, failure: err, left: !!opts.signal?.aborted };
  } finally {
    clearInterval(renew);
    await pool.close();
  }
  const { manifest, left } = result;
  let failure = result.failure;
  // A coordinator stopped on purpose (resume will finish the run) leaves the run as it is.
  if (!left) await store.setState(runId, failure ? 'failed' : manifest.status, failure ? serializeError(failure).message : undefined).catch((err) => (failure ??= err));
  await redis.del(`${keys.run(runId)}:lock`).catch(() => undefined);
  if (failure) throw failure;
  return manifest;
}

async function acquireLock(redis: Redis, keys: FarmKeys, runId: string, signal?: AbortSignal): Promise<void> {
  const key = `${keys.run(runId)}:lock`;
  const giveUp = Date.now() + LOCK_TTL_MS * 2;
  for (;;) {
    if ((await redis.set(key, String(process.pid), 'PX', LOCK_TTL_MS, 'NX')) === 'OK') return;
    if (signal?.aborted) throw new SynthfarmError('INTERNAL', '[farm] coordinator stopped', 1);
    if (Date.now() > giveUp) {
      const holder = await redis.get(key);
      throw new SynthfarmError('USAGE', `[farm] run ${runId} is being coordinated by another live process (pid ${holder}); synthfarm status ${runId} shows its progress`, 2);
    }
    // Another coordinator holds the run; a dead one's lock lapses within LOCK_TTL_MS.
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function spent(store: RunStore, runId: string): Promise<number> {
  const totals = await store.backendTotals(runId);
  return Object.values(totals).reduce((n, t) => n + (t.cost ?? 0), 0);
}

