import { hostname } from 'node:os';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { SpecError, createLogger, parseOptions } from '@synthfarm/core';
import { createBackend, hostLabel, listHostModels, withResponseCache, type LlmBackend } from '@synthfarm/llm';
import { createBatchProcessor, createCodegenPool, withBatchAccounting, writtenRows, type BatchOutput, type HostStateEvent } from '@synthfarm/engine';
import { resolveBoundSecret, type BackendSpec } from '@synthfarm/spec';
import { createModelStages } from '@synthfarm/stages';
import { usedBackendNames } from '@synthfarm/routing';
import { BatchJobSchema, CODE_QUEUE, REMOTE_QUEUE, modelQueue, queueFor, type BatchJob } from './batch-job.js';
import { createRedisBatchStore } from './redis-batch-store.js';
import { farmKeys } from './keys.js';
import { FarmWorkerOptionsSchema, type FarmWorkerOptions } from './farm-worker-options.js';
import { BATCH_ATTEMPTS } from './farm-constants.js';
import { batchesHeld, batchesToHold, callsPerBatch, initialBatchesHeld } from './batch-sizing.js';
import { handBack } from './hand-back.js';
import { settlesWithin } from './settles-within.js';
import { refColumnsFor, type RunContext } from './process-batch.js';
import { createRedis } from './redis-connection.js';
import { RunStore } from './run-store.js';

export type { FarmWorkerOptions } from './farm-worker-options.js';

/** A running worker. */
export interface FarmWorker {
  readonly name: string;
  readonly models: string[];
  /** Requests its host runs at once. */
  readonly slots: number;
  /** How long close() waits for in-flight batches, in ms. */
  readonly drainTimeoutMs: number;
  /** Stops taking batches; waits for in-flight ones up to `drainTimeoutMs`, then hands them back. */
  close(): Promise<void>;
}

/** Runs a worker keeps backends and ref columns for at once. */
const MAX_RUN_CONTEXTS = 8;


/**
 * A worker pinned to one GPU host: asks the host which models it serves, listens to the queue
 * of each (plus code-only and remote-API batches), as many batches as its slots run plus one
 * ready (batch-sizing.ts). A host that fails
 * is paused for a cooldown and its batches are retried by other workers.
 */
export async function createFarmWorker(options: FarmWorkerOptions): Promise<FarmWorker> {
  const opts = parseOptions(FarmWorkerOptionsSchema, options, 'worker');
  const log = opts.log ?? createLogger({ name: 'worker' });
  const { slots, policy, env } = opts;
  const keys = farmKeys(opts.prefix);
  const name = `${opts.host.name}@${hostname()}:${process.pid}`;
  // How this worker's backends label its host in their events.
  const hostUrl = hostLabel(opts.host.url);
  const models = await listHostModels(opts.host.url, 'worker');
  const redis = createRedis(opts.redisUrl);
  const blocking = createRedis(opts.redisUrl);
  const store = new RunStore(redis, keys);
  const results = createRedisBatchStore(redis, blocking, keys);
  const contexts = new Map<string, Promise<RunContext>>();
  // CPU work (code fields, validation, encoding) runs on piscina threads, as in embedded mode (DESIGN §6).
  // Shared with the process's other workers when given (and closed by its owner), else its own.
  const pool = opts.pool ?? createCodegenPool(opts.threads);
  const closeContext = (ctx: RunContext) => Promise.all([...ctx.backends.values()].map((b) => b.close()));

  const contextFor = (runId: string): Promise<RunContext> => {
    let c = contexts.get(runId);
    if (c) {
      // Most recently used last: the oldest run's backends are closed when there are too many.
      contexts.delete(runId);
      contexts.set(runId, c);
    }
    if (!c) {
      if (contexts.size >= MAX_RUN_CONTEXTS) {
        const [oldest, ctx] = contexts.entries().next().value as [string, Promise<RunContext>];
        contexts.delete(oldest);
        void ctx.then(closeContext).catch(() => undefined);
      }
      c = (async () => {
        const meta = await store.meta(runId);
        if (!meta) throw new Error(`[worker ${opts.host.name}] run ${runId} not found`);
        const spec = structuredClone(meta.spec);
        const backends = new Map<string, LlmBackend>();
        if (!meta.offline) {
          for (const n of usedBackendNames(spec)) {
            let b: BackendSpec;
            try {
              // The key is resolved only now, for this backend's own baseUrl, from this worker's bindings.
              b = spec.backends[n] = resolveBoundSecret(n, spec.backends[n]!, policy, env, `worker ${opts.host.name}`);
            } catch (err) {
              // Not retried: the run's batches become rejects naming the refusal.
              if (err instanceof SpecError) throw new UnrecoverableError(err.message);
              throw err;
            }
            // A backend without baseUrl runs on this worker's host: in farm mode a spec's hosts are
            // never called (DESIGN §6), so a submitted spec cannot point a worker at a URL of its choosing.
            const { hosts: _specHosts, ...remote } = b;
            // Its host's slots, plus the requests kept waiting there (queueAhead) so that no slot
            // idles between one answer and this worker's next request.
            const local: BackendSpec = !b.baseUrl ? { ...b, hosts: [opts.host.url], slots: slots + opts.queueAhead } : remote;
            const backend = createBackend(n, local, { logger: log });
            backends.set(n, withBatchAccounting(opts.cacheDir ? withResponseCache(backend, opts.cacheDir) : backend, b));
          }
        }
        // Model stages are built once per run on this worker, and shared by its batches.
        const model = meta.offline || backends.size ? await createModelStages({ spec, sha256: meta.specSha256, source: 'farm', missingEnv: [], secretRefs: {} }, { offline: meta.offline, backends, skipCheck: true, costs: false }) : undefined;
        const processor = createBatchProcessor({ spec: model?.spec ?? spec, specKey: runId, pool, stages: model?.stages ?? [] });
        return { meta, spec, backends, processor, refColumns: new Map() };
      })();
      contexts.set(runId, c);
      c.catch(() => contexts.delete(runId));
    }
    return c;
  };

  // This host's cooldowns, for the run's event log: carried by the next batch this worker finishes.
  const hostEvents: HostStateEvent[] = [];
  // Runs told of the cooldown (their batch was handed back), to be told of its end too.
  const toldRuns = new Set<string>();
  const hostState = (state: HostStateEvent['state']) => {
    const e: HostStateEvent = { type: 'host_state', at: Date.now(), host: hostUrl, state, worker: opts.host.name };
    if (hostEvents.length < 64) hostEvents.push(e);
    for (const runId of toldRuns) void store.noteHostState(runId, e).catch(() => undefined);
    if (state === 'up') toldRuns.clear();
  };
  let cooling = false;
  const coolDown = async (why: string, runId: string) => {
    toldRuns.add(runId);
    if (cooling) return;
    cooling = true;
    hostState('cooldown');
    log.warn({ host: opts.host.name, why }, 'host on cooldown: its batches go to other workers');
    // pause(true) does not wait for active batches (this one among them).
    await Promise.all(workers.map((w) => w.pause(true).catch(() => undefined)));
    setTimeout(async () => {
      try {
        await listHostModels(opts.host.url, 'worker');
        workers.forEach((w) => w.resume());
        hostState('up');
        log.warn({ host: opts.host.name }, 'host back from cooldown');
      } catch {
        setTimeout(() => workers.forEach((w) => w.resume()), opts.cooldownMs).unref();
      } finally {
        cooling = false;
      }
    }, opts.cooldownMs).unref();
  };

  // Batches this worker runs, per model queue: one taken past what it should hold goes back.
  const running = new Map<string, number>();
  // How many batches of a model queue to take next (batch-sizing.ts): fill the slots, plus one
  // ready batch while more wait than there are workers. One round trip after each batch.
  const holdNext = async (queueName: string, calls: number) => {
    const mq = modelQueues.get(queueName);
    const counter = waitCounters.get(queueName);
    if (!mq || !counter) return;
    const [waiting, workerCount] = await Promise.all([counter.getWaitingCount(), redis.hlen(keys.workers)]).catch(() => [1, 0]);
    mq.concurrency = batchesToHold(slots, calls, waiting, workerCount);
  };

  // BullMQ passes `signal` (processor arity 3) and aborts it on cancelAllJobs() in close().
  const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
    const data: BatchJob = BatchJobSchema.parse(job.data);
    const ctx = await contextFor(data.runId);
    const refColumns = await refColumnsFor(ctx, store, data.dataset);
    // A model queue holds as many batches as this host's slots run plus one ready (batch-sizing.ts);
    // BullMQ applies a new concurrency from the next job it fetches. Before a worker knows a run's
    // batch shape it takes up to `slots` batches; those past what it should hold go back to the
    // head of the queue at once (no attempt spent) for a host with free slots.
    const mq = modelQueues.get(job.queueName);
    const calls = callsPerBatch(ctx.spec.datasets[data.dataset]!);
    if (mq) {
      const held = batchesHeld(slots, calls);
      mq.concurrency = Math.min(mq.concurrency, held);
      if ((running.get(job.queueName) ?? 0) >= held) return handBack(job, token, `[worker ${opts.host.name}] batch ${data.dataset}:${data.batch} is more than this host holds; handing it back`);
    }
    running.set(job.queueName, (running.get(job.queueName) ?? 0) + 1);
    try {
      return await runBatch(job, token, signal, data, ctx, refColumns, calls);
    } finally {
      running.set(job.queueName, running.get(job.queueName)! - 1);
    }
  };
  const runBatch = async (job: Job, token: string | undefined, signal: AbortSignal | undefined, data: BatchJob, ctx: RunContext, refColumns: Awaited<ReturnType<typeof refColumnsFor>>, calls: number) => {
    const stop = signal ?? new AbortController().signal;
    // An interrupted batch (whether its stages returned or threw on the abort) is handed back
    // whole: its unwritten records must not become rejects. Neither this nor a cooldown spends an
    // attempt: the batch did not fail, this worker cannot run it now.
    const stopping = () => handBack(job, token, `[worker ${opts.host.name}] batch ${data.dataset}:${data.batch} interrupted: the worker is stopping; handing it back`);
    let out: BatchOutput;
    try {
      out = { ...(await ctx.processor.process(data, refColumns, stop)), host: opts.host.name };
      // This worker's host, as status and /metrics name it.
      const events = [...hostEvents.splice(0), ...(out.events ?? [])].map((e) => (e.type === 'host_state' && e.host === hostUrl ? { ...e, worker: opts.host.name } : e));
      if (events.length) out.events = events;
    } catch (err) {
      if (stop.aborted) return stopping();
      throw err;
    }
    if (stop.aborted) return stopping();
    const down = out.rejects.find((r) => r.reason === 'backend_failed');
    if (down) {
      // Paused first, so this worker does not take the batch straight back.
      await coolDown(down.error, data.runId);
      return handBack(job, token, `[worker ${opts.host.name}] batch ${data.dataset}:${data.batch} hit a failing backend; handing it back`);
    }
    // One round trip, not two: ioredis writes commands issued together on one connection without
    // waiting for replies, and Redis still runs them in this order (the result first, as before).
    await Promise.all([results.put(data.runId, data.dataset, data.batch, out), store.addBackendWork(data.runId, out.backends), holdNext(job.queueName, calls)]);
    return { rows: writtenRows(out), rejects: out.rejects.length };
  };

  const connection = { url: opts.redisUrl, maxRetriesPerRequest: null } as const;
  // A stall is the worker's fault (killed, hung), not the batch's: a batch may stall as often as
  // it may fail. BullMQ's default (1) fails a batch whose workers die twice in a row.
  const common = { connection, prefix: keys.prefix, lockDuration: opts.lockDurationMs, stalledInterval: Math.min(30_000, opts.lockDurationMs), maxStalledCount: BATCH_ATTEMPTS };
  const queues = [
    [CODE_QUEUE, 1],
    [REMOTE_QUEUE, slots],
    ...models.map((m) => [modelQueue(m), initialBatchesHeld(slots)] as const),
  ] as const;
  const workers = queues.map(([q, concurrency]) => new Worker(q, processor, { ...common, concurrency }));
  const modelQueues = new Map(models.map((m, i) => [modelQueue(m), workers[2 + i]!] as const));
  // Read-only handles on the model queues (waiting counts), on this worker's own connection.
  const waitCounters = new Map(models.map((m) => [modelQueue(m), new Queue(modelQueue(m), { connection: redis, prefix: keys.prefix })] as const));
  for (const w of workers) {
    w.on('failed', (job, err) => log.warn({ job: job?.id, err: err.message }, 'batch failed'));
    // Redis going away (a restart) is waited out by reconnects; BullMQ reports it here.
    w.on('error', (err) => log.warn({ err: err.message }, 'queue connection error'));
  }

  // A submitted run is announced: this worker readies itself for it (the run's spec and model
  // stages, its datasets compiled on the code thread) while the coordinator sets the run up,
  // instead of after taking its first batch. Best effort: a batch builds whatever is missing.
  // It also learns the run's batch shape before the first batch comes: a model queue this worker
  // is idle on takes what fills the host's slots plus one ready batch, not the `slots` batches of
  // a worker that does not know it. At 64 hosts × 8 slots the first hosts to wake took 8 batches
  // each and handed 5 back, while others waited for them through the ramp-up.
  const holdFor = (spec: RunContext['spec']) => {
    const calls = new Map<string, number>();
    spec.datasets.forEach((ds, d) => {
      const q = queueFor(spec, d);
      if (modelQueues.has(q)) calls.set(q, Math.max(calls.get(q) ?? 0, callsPerBatch(ds)));
    });
    for (const [q, c] of calls) if (!running.get(q)) modelQueues.get(q)!.concurrency = batchesHeld(slots, c);
  };
  const announcements = createRedis(opts.redisUrl);
  announcements.on('message', (_channel: string, runId: string) => {
    void contextFor(runId)
      .then((ctx) => {
        holdFor(ctx.spec);
        return ctx.processor.warm();
      })
      .catch(() => undefined);
  });
  // Not awaited: with Redis away it would wait; ioredis subscribes again on every reconnect.
  announcements.subscribe(keys.submitted).catch((err: Error) => log.warn({ err: err.message }, 'could not subscribe to run announcements'));

  const heartbeat = async () => {
    await redis.hset(keys.workers, name, JSON.stringify({ host: opts.host.name, url: opts.host.url, models, slots, pid: process.pid, seenAt: new Date().toISOString() })).catch(() => undefined);
  };
  await heartbeat();
  const beat = setInterval(heartbeat, 5000);
  beat.unref();

  return {
    name,
    models,
    slots,
    drainTimeoutMs: opts.drainTimeoutMs,
    async close() {
      clearInterval(beat);
      const drain = Promise.all(workers.map((w) => w.close()));
      const stopBy = Date.now() + (opts.drainTimeoutMs) + STOP_GRACE_MS;
      const left = () => stopBy - Date.now();
      // Past the drain time, in-flight batches are handed back: their model calls are aborted (so
      // this process can exit) and each moves its job back to wait, then the workers close. Every
      // step is bounded by the drain time and a short grace: with Redis gone none would answer.
      if (!(await settlesWithin(drain, left() - STOP_GRACE_MS))) {
        for (const w of workers) w.cancelAllJobs('worker stopping');
        if (!(await settlesWithin(drain, left() / 2))) await settlesWithin(Promise.all(workers.map((w) => w.close(true))), left() / 2);
      }
      await settlesWithin(redis.hdel(keys.workers, name), Math.max(50, left()));
      for (const c of contexts.values()) await settlesWithin(c.then(closeContext), Math.max(50, left()));
      if (!opts.pool) await settlesWithin(pool.close(), Math.max(50, left()));
      redis.disconnect();
      blocking.disconnect();
      announcements.disconnect();
      for (const w of workers) void w.disconnect().catch(() => undefined);
    },
  };
}

/** How long stopping may take past the drain time (handing back, closing), in ms. */
const STOP_GRACE_MS = 1000;
