import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Ollama } from 'ollama';
import { BackendUnavailable, SpecError, createLogger, type Logger } from '@synthfarm/core';
import { createBackend, withResponseCache, type LlmBackend } from '@synthfarm/llm';
import { createFarmPolicy, resolveBoundSecret, type BackendSpec, type FarmPolicy } from '@synthfarm/spec';
import { referencedFields } from '@synthfarm/engine';
import { usedBackendNames } from '@synthfarm/stages';
import { BatchJobSchema, CODE_QUEUE, REMOTE_QUEUE, modelQueue, type BatchJob } from './batch-job.js';
import { createRedisBatchStore } from './redis-batch-store.js';
import { DEFAULT_PREFIX, farmKeys } from './keys.js';
import { BATCH_ATTEMPTS } from './farm-constants.js';
import { batchesHeld, callsPerBatch, initialBatchesHeld } from './batch-sizing.js';
import { handBack } from './hand-back.js';
import { settlesWithin } from './settles-within.js';
import { processBatch, refColumnsFor, type RunContext } from './process-batch.js';
import { createRedis } from './redis-connection.js';
import { RunStore } from './run-store.js';

export interface FarmWorkerOptions {
  redisUrl: string;
  /** The GPU host this worker is pinned to: `gpu1=http://gpu1:11434`. */
  host: { name: string; url: string };
  /** Requests the host runs at once (Ollama's OLLAMA_NUM_PARALLEL). Default 4. */
  slots?: number;
  /** Redis key prefix (a hash tag, for Redis Cluster). Default `{synthfarm}`. */
  prefix?: string;
  /** How long a failing host sits out before it is checked again, in ms. Default 15 000. */
  cooldownMs?: number;
  /** How long close() waits for in-flight batches before handing them back, in ms. Default 20 000. */
  drainTimeoutMs?: number;
  /** Response cache directory on this worker; none when undefined. */
  cacheDir?: string | undefined;
  /** BullMQ lock duration: a batch whose worker stops renewing it is retried elsewhere, in ms. Default 30 000. */
  lockDurationMs?: number;
  /**
   * The operator's secret bindings (`--secret NAME@ORIGIN`): the only variables this worker
   * resolves for a stored spec, each only for a backend whose baseUrl has the bound origin.
   * Default: none, so no API key is ever sent.
   */
  policy?: FarmPolicy;
  /** Where bound secrets are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

/** A running worker. */
export interface FarmWorker {
  readonly name: string;
  readonly models: string[];
  /** Stops taking batches; waits for in-flight ones up to `drainTimeoutMs`, then hands them back. */
  close(): Promise<void>;
}

/** Runs a worker keeps backends and ref columns for at once. */
const MAX_RUN_CONTEXTS = 8;


/**
 * A worker pinned to one GPU host: asks the host which models it serves, listens to the queue
 * of each (plus code-only and remote-API batches), `slots` batches at a time. A host that fails
 * is paused for a cooldown and its batches are retried by other workers.
 */
export async function createFarmWorker(opts: FarmWorkerOptions): Promise<FarmWorker> {
  const log = opts.log ?? createLogger({ name: 'worker' });
  const slots = opts.slots ?? 4;
  const keys = farmKeys(opts.prefix ?? DEFAULT_PREFIX);
  const name = `${opts.host.name}@${hostname()}:${process.pid}`;
  const models = await listModels(opts.host.url);
  const redis = createRedis(opts.redisUrl);
  const blocking = createRedis(opts.redisUrl);
  const store = new RunStore(redis, keys);
  const results = createRedisBatchStore(redis, blocking, keys);
  const contexts = new Map<string, Promise<RunContext>>();
  const policy = opts.policy ?? createFarmPolicy();
  const env = opts.env ?? process.env;

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
        void ctx.then((x) => Promise.all([...x.backends.values()].map((b) => b.close()))).catch(() => undefined);
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
            const local: BackendSpec = !b.baseUrl ? { ...b, hosts: [opts.host.url], slots } : remote;
            const backend = createBackend(n, local, { logger: log });
            backends.set(n, opts.cacheDir ? withResponseCache(backend, opts.cacheDir) : backend);
          }
        }
        return { meta, spec, backends, refColumns: new Map() };
      })();
      contexts.set(runId, c);
      c.catch(() => contexts.delete(runId));
    }
    return c;
  };

  let cooling = false;
  const coolDown = async (why: string) => {
    if (cooling) return;
    cooling = true;
    log.warn({ host: opts.host.name, why }, 'host on cooldown: its batches go to other workers');
    // pause(true) does not wait for active batches (this one among them).
    await Promise.all(workers.map((w) => w.pause(true).catch(() => undefined)));
    setTimeout(async () => {
      try {
        await listModels(opts.host.url);
        workers.forEach((w) => w.resume());
        log.warn({ host: opts.host.name }, 'host back from cooldown');
      } catch {
        setTimeout(() => workers.forEach((w) => w.resume()), opts.cooldownMs ?? 15_000).unref();
      } finally {
        cooling = false;
      }
    }, opts.cooldownMs ?? 15_000).unref();
  };

  // BullMQ passes `signal` (processor arity 3) and aborts it on cancelAllJobs() in close().
  const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
    const data: BatchJob = BatchJobSchema.parse(job.data);
    const ctx = await contextFor(data.runId);
    const refColumns = await refColumnsFor(ctx, store, data.dataset);
    const ds = ctx.spec.datasets[data.dataset]!;
    // A model queue holds as many batches as this host's slots run plus one ready (batch-sizing.ts);
    // BullMQ applies a new concurrency from the next job it fetches.
    const mq = modelQueues.get(job.queueName);
    if (mq) mq.concurrency = batchesHeld(slots, callsPerBatch(ds));
    const refFields = [...referencedFields(ctx.spec)].filter((k) => k.startsWith(`${ds.name}.`)).map((k) => k.slice(ds.name.length + 1));
    const stop = signal ?? new AbortController().signal;
    // An interrupted batch (whether its stages returned or threw on the abort) is handed back
    // whole: its unwritten records must not become rejects. Neither this nor a cooldown spends an
    // attempt: the batch did not fail, this worker cannot run it now.
    const stopping = () => handBack(job, token, `[worker ${opts.host.name}] batch ${data.dataset}:${data.batch} interrupted: the worker is stopping; handing it back`);
    let out: Awaited<ReturnType<typeof processBatch>>;
    try {
      out = await processBatch(ctx, data, refColumns, refFields, stop, opts.host.name);
    } catch (err) {
      if (stop.aborted) return stopping();
      throw err;
    }
    if (stop.aborted) return stopping();
    const down = out.rejects.find((r) => r.reason === 'backend_failed');
    if (down) {
      // Paused first, so this worker does not take the batch straight back.
      await coolDown(down.error);
      return handBack(job, token, `[worker ${opts.host.name}] batch ${data.dataset}:${data.batch} hit a failing backend; handing it back`);
    }
    // One round trip, not three: ioredis pipelines commands issued together on one connection,
    // and they still run in this order (the result first, as before).
    await Promise.all([
      results.put(data.runId, data.dataset, data.batch, out),
      store.addHostWork(data.runId, opts.host.name, out.rows + out.rejects.length, Object.values(out.backends).reduce((n, b) => n + b.tokensOut, 0), out.busyMs),
      store.addBackendWork(data.runId, out.backends),
    ]);
    return { rows: out.rows, rejects: out.rejects.length };
  };

  const connection = { url: opts.redisUrl, maxRetriesPerRequest: null } as const;
  // A stall is the worker's fault (killed, hung), not the batch's: a batch may stall as often as
  // it may fail. BullMQ's default (1) fails a batch whose workers die twice in a row.
  const common = { connection, prefix: keys.prefix, lockDuration: opts.lockDurationMs ?? 30_000, stalledInterval: Math.min(30_000, opts.lockDurationMs ?? 30_000), maxStalledCount: BATCH_ATTEMPTS };
  const queues = [
    [CODE_QUEUE, 1],
    [REMOTE_QUEUE, slots],
    ...models.map((m) => [modelQueue(m), initialBatchesHeld(slots)] as const),
  ] as const;
  const workers = queues.map(([q, concurrency]) => new Worker(q, processor, { ...common, concurrency }));
  const modelQueues = new Map(models.map((m, i) => [modelQueue(m), workers[2 + i]!] as const));
  for (const w of workers) {
    w.on('failed', (job, err) => log.warn({ job: job?.id, err: err.message }, 'batch failed'));
    // Redis going away (a restart) is waited out by reconnects; BullMQ reports it here.
    w.on('error', (err) => log.warn({ err: err.message }, 'queue connection error'));
  }

  const heartbeat = async () => {
    await redis.hset(keys.workers, name, JSON.stringify({ host: opts.host.name, url: opts.host.url, models, slots, pid: process.pid, seenAt: new Date().toISOString() })).catch(() => undefined);
  };
  await heartbeat();
  const beat = setInterval(heartbeat, 5000);
  beat.unref();

  return {
    name,
    models,
    async close() {
      clearInterval(beat);
      const drain = Promise.all(workers.map((w) => w.close()));
      const stopBy = Date.now() + (opts.drainTimeoutMs ?? 20_000) + STOP_GRACE_MS;
      const left = () => stopBy - Date.now();
      // Past the drain time, in-flight batches are handed back: their model calls are aborted (so
      // this process can exit) and each moves its job back to wait, then the workers close. Every
      // step is bounded by the drain time and a short grace: with Redis gone none would answer.
      if (!(await settlesWithin(drain, left() - STOP_GRACE_MS))) {
        for (const w of workers) w.cancelAllJobs('worker stopping');
        if (!(await settlesWithin(drain, left() / 2))) await settlesWithin(Promise.all(workers.map((w) => w.close(true))), left() / 2);
      }
      await settlesWithin(redis.hdel(keys.workers, name), Math.max(50, left()));
      for (const c of contexts.values()) await settlesWithin(c.then((ctx) => Promise.all([...ctx.backends.values()].map((b) => b.close()))), Math.max(50, left()));
      redis.disconnect();
      blocking.disconnect();
      for (const w of workers) void w.disconnect().catch(() => undefined);
    },
  };
}

/** How long stopping may take past the drain time (handing back, closing), in ms. */
const STOP_GRACE_MS = 1000;

/** Models a host serves (GET /api/tags), or BackendUnavailable naming the URL (exit 3). */
async function listModels(url: string): Promise<string[]> {
  try {
    const res = await new Ollama({ host: url }).list();
    return res.models.map((m) => m.name);
  } catch (err) {
    throw new BackendUnavailable(`[worker] host ${url} does not answer /api/tags (${(err as Error).message}); start one with \`ollama serve\` or \`synthfarm sim --port ${new URL(url).port || 11434}\``);
  }
}

function sameModel(a: string, b: string): boolean {
  const norm = (m: string) => (m.includes(':') ? m : `${m}:latest`);
  return norm(a) === norm(b);
}
