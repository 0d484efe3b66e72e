import { z } from 'zod';
import { SynthfarmError, createLogger, intOption, parseOptions, serializeError, type Logger } from '@synthfarm/core';
import { createRun, type Manifest, type CommitterResult, type Progress, type RunRecord } from '@synthfarm/engine';
import { isModelDataset } from '@synthfarm/spec';
import { prepareRunCosts } from '@synthfarm/stages';
import { usedBackendNames } from '@synthfarm/routing';
import { createRedisDailyLedger } from './daily-ledger.js';
import { createRedisWeightStore } from './redis-weight-store.js';
import { createRedisEventLog } from './redis-event-log.js';
import { createBullmqExecutor } from './bullmq-executor.js';
import { createRedisRunState } from './redis-run-state.js';
import { assertNotFinished, RunLock, runLockKey } from './run-lock.js';
import type { RunStore } from './run-store.js';
import type { FarmConnection } from './farm-connection.js';
import { cancelRequested } from './cancel-run.js';
import { watchWorkers } from './worker-watch.js';
import { farmWindow } from './batch-sizing.js';

/**
 * Options of {@link runCoordinator}. Parsed once, each default here and nowhere else; a bad
 * option throws `[coordinator] invalid options: window: must be a positive integer` (exit 2).
 */
export const CoordinatorOptionsSchema = z.object({
  farm: z
    .custom<CoordinatorFarm>((v) => typeof v === 'object' && v !== null && ['redis', 'url', 'keys', 'store', 'results'].every((k) => k in v), { error: 'must be a FarmConnection (connectFarm(url))' })
    .describe('The farm the run lives in: Redis (run state, lock, cancel flag), its URL (BullMQ queues), keys, run and batch stores.'),
  runId: z.string().min(1, { error: 'must name a submitted run' }),
  window: intOption(1)
    .default(32)
    .describe('Least batches handed out ahead of the aggregator, per dataset. The window is twice what the live workers serving the dataset hold (batch-sizing.ts), re-read from their heartbeats at most every 2 s, and never below this. Bounds Redis and aggregator memory (results wait in Redis at most this many). Default 32.'),
  threads: intOption(0).default(1).describe('Code threads for uniqueness admission (only datasets with unique fields use them; started on first use); 0 = inline. Default 1.'),
  onProgress: z.custom<(p: Progress) => void>((v) => typeof v === 'function', { error: 'must be a function' }).optional(),
  onWarning: z.custom<(message: string) => void>((v) => typeof v === 'function', { error: 'must be a function' }).optional().describe('Said while the run waits for workers (none serves its model). Default: the log at warn.'),
  log: z.custom<Logger>((v) => typeof v === 'object' && v !== null, { error: 'must be a Logger' }).optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, { error: 'must be an AbortSignal' }).optional(),
});

/** The parts of a farm connection a coordinator uses. */
export type CoordinatorFarm = Pick<FarmConnection, 'redis' | 'url' | 'keys' | 'store' | 'results'>;

/** Coordinator options as a caller writes them. */
export type CoordinatorOptions = z.input<typeof CoordinatorOptionsSchema>;

/**
 * The producer and the aggregator of one farm run, resumable: all state lives in Redis and in
 * the output directory's part files. It hands out batch descriptors in order (uniqueness is
 * decided here, and travels as replayable ops), and appends finished batches strictly in
 * record order, each exactly once: a batch is committed by moving the run's pointer past it,
 * atomically with the byte offsets of the files, after its bytes are written.
 */
export async function runCoordinator(options: CoordinatorOptions): Promise<Manifest> {
  const opts = parseOptions(CoordinatorOptionsSchema, options, 'coordinator');
  const { runId } = opts;
  const { store, results, keys, redis, url: redisUrl } = opts.farm;
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
  const stopWatch = watchWorkers({ redis, keys, redisUrl, spec, current: () => current, warn: opts.onWarning ?? ((m) => log.warn(m)) });
  let checkedCancel = 0;
  // `synthfarm cancel` / DELETE /runs/:id set a flag in the run hash; read at most every 250 ms.
  const cancelled = async () => {
    if (Date.now() - checkedCancel < 250) return false;
    checkedCancel = Date.now();
    return cancelRequested(redis, keys, runId);
  };
  let result: CommitterResult;
  try {
    await store.setState(runId, 'running');
    // Every batch's estimated cost is reserved before dispatch against the run's caps and the
    // farm's day in Redis (shared by every coordinator), and settled to its cost at commit.
    // A run without model fields spends nothing: no estimate, no reservations (and no faker load before its first batch).
    const costs = meta.offline || !spec.datasets.some(isModelDataset) ? undefined : await prepareRunCosts(spec, { maxCostUsd: meta.maxCostUsd, daily: createRedisDailyLedger(redis, keys), historyDir: meta.outDir });
    result = await createRun({ spec, sha256: meta.specSha256 }, {
      mode: 'farm', runId, offline: meta.offline, maxRejects: meta.maxRejects, threads: opts.threads,
      windowFor: farmWindow(redis, keys, spec, opts.window),
      // A posted run's directory is opened inside the server's out root without following links.
      dir: meta.outDir, outRoot: meta.outRoot, startedAt: new Date(meta.createdAt),
      state: (s) => createRedisRunState(store, runId, s),
      executor: (ctx) => createBullmqExecutor({ redisUrl, keys, results, spec: ctx.spec, log, signal: opts.signal }),
      budget: costs?.budget,
      estimate: costs?.estimate,
      cancelled,
      onDataset: (d) => (current = d),
      backends: () => (meta.offline ? {} : Object.fromEntries(usedBackendNames(spec).map((n) => [n, { provider: spec.backends[n]?.provider, model: spec.backends[n]?.model }]))),
      // events.jsonl as in embedded mode, and a bounded stream for live views in other processes.
      events: createRedisEventLog(redis, keys, runId),
      onRecord: recordWriter(store, runId),
      // Learned routing weights are the farm's, in Redis: every run's batches, on whatever worker, teach the next.
      weights: createRedisWeightStore(redis, keys, runId),
      ...(meta.freshWeights ? { freshWeights: true } : {}),
      warn: opts.onWarning ?? ((m) => log.warn(m)),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      signal: opts.signal,
    }).execute();
  } catch (err) {
    result = { manifest: undefined as unknown as Manifest, failure: err, left: !!opts.signal?.aborted };
  } finally {
    stopWatch();
  }
  const { manifest, left } = result;
  let failure = result.failure;
  // A coordinator stopped on purpose (resume will finish the run) leaves the run as it is.
  if (!left) await store.setState(runId, failure ? 'failed' : manifest.status, failure ? serializeError(failure).message : manifest.error?.message).catch((err) => (failure ??= err));
  await lock.release().catch(() => undefined);
  if (failure) throw failure;
  return manifest;
}


/** Stores the run's record at most every 250 ms, and always the final one. */
function recordWriter(store: RunStore, runId: string): (record: RunRecord, final: boolean) => Promise<void> {
  let last = 0;
  return async (record, final) => {
    if (!final && Date.now() - last < 250) return;
    last = Date.now();
    await store.setRecord(runId, record).catch(() => undefined);
  };
}
