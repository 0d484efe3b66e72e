import { Queue } from 'bullmq';
import { createSpecValidator } from '@synthfarm/engine';
import { createFarmPolicy, type FarmPolicy } from '@synthfarm/spec';
import { createLogger, type Logger } from '@synthfarm/core';
import { CODE_QUEUE, REMOTE_QUEUE, modelQueue } from './batch-job.js';
import { runCoordinator } from './coordinator.js';
import type { FarmConnection } from './farm-connection.js';
import type { FarmService } from './farm-service.js';
import type { RunEvent } from './run-summary.js';
import { submitRun } from './submit-run.js';
import { FINAL_STATES, requestCancel } from './cancel-run.js';
import { runLockHolder } from './run-lock.js';
import { createRedis } from './redis-connection.js';
import { SCHEDULE_QUEUE, listSchedules } from './schedules.js';

/**
 * The farm as the HTTP API sees it. A posted spec is validated like a file, recorded, and
 * coordinated in this process; progress comes from the run's pub/sub channel.
 */
/**
 * @param opts.env what `${VAR}` in posted specs may read; default nothing (see submit).
 * @param opts.policy the operator's secret bindings and allowlists posted specs are checked
 * against (DESIGN §11); default none: no secret may be named, no remote baseUrl used.
 */
export function createFarmService(farm: FarmConnection, opts: { log?: Logger; env?: NodeJS.ProcessEnv; policy?: FarmPolicy } = {}): FarmService {
  const log = opts.log ?? createLogger({ name: 'serve' });
  // Parsing and checking a posted spec is CPU work bounded only by the limits: off the event loop.
  const validator = createSpecValidator();
  const running = new Map<string, Promise<unknown>>();
  const sub = createRedis(farm.url);
  const listeners = new Map<string, Set<(e: RunEvent) => void>>();
  sub.on('message', async (channel: string, type: string) => {
    const runId = farm.keys.runOfEvents(channel);
    const set = runId === undefined ? undefined : listeners.get(runId);
    if (runId === undefined || !set?.size) return;
    const run = await farm.store.summary(runId);
    if (!run) return;
    const e: RunEvent = type === 'end' ? { type: 'end', run } : { type: 'progress', run };
    for (const l of set) l(e);
  });
  const queueCache = new Map<string, Queue>();
  const queueOf = (name: string) => {
    let q = queueCache.get(name);
    if (!q) {
      queueCache.set(name, (q = new Queue(name, { connection: { url: farm.url, maxRetriesPerRequest: null }, prefix: farm.keys.prefix })));
      q.on('error', (err) => log.warn({ err: err.message }, 'queue connection error'));
    }
    return q;
  };
  const knownQueues = async () => {
    const workers = await farm.redis.hgetall(farm.keys.workers);
    const names = new Set([CODE_QUEUE, REMOTE_QUEUE]);
    for (const w of Object.values(workers)) for (const m of (JSON.parse(w) as { models: string[] }).models) names.add(modelQueue(m));
    return [...names].map(queueOf);
  };
  void knownQueues();

  return {
    async submit(specText, { source, outDir, outRoot }) {
      // A posted spec must not read the server's environment: `${AWS_SECRET}` in a template
      // would write the server's secret into an output file. Only defaults (`${X:-y}`) apply, and
      // an API key is a reference to a secret the operator bound to the backend's origin, which
      // each worker resolves from its own environment. Parsing and checks run off the event loop.
      const loaded = await validator.validate(specText, source ?? 'http.yaml', { env: opts.env ?? {}, farmPolicy: opts.policy ?? createFarmPolicy() });
      const runId = await submitRun(farm.store, loaded, { outDir, outRoot });
      const p = runCoordinator({ farm, runId, log })
        .catch((err) => log.error({ runId, err: (err as Error).message }, 'run failed'))
        .finally(() => running.delete(runId));
      running.set(runId, p);
      return { runId };
    },
    async cancel(runId) {
      const req = await requestCancel(farm.redis, farm.keys, runId);
      if (req.outcome === 'not_found') return { outcome: 'not_found' };
      if (req.outcome === 'requested' && !running.has(runId) && (await runLockHolder(farm.redis, farm.keys, runId)) === undefined) {
        // Nobody coordinates it (its coordinator died): end it here.
        await runCoordinator({ farm, runId, log }).catch(() => undefined);
      }
      // Its coordinator (here or elsewhere) sees the flag within a second.
      const until = Date.now() + 60_000;
      for (;;) {
        const run = (await farm.store.summary(runId))!;
        if ((FINAL_STATES as readonly string[]).includes(run.state)) return { outcome: req.outcome === 'finished' ? 'finished' : 'cancelled', run };
        if (Date.now() > until) return { outcome: 'cancelled', run };
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    listRuns: (limit) => farm.store.list(limit),
    getRun: (runId) => farm.store.summary(runId),
    subscribe(runId, onEvent) {
      let set = listeners.get(runId);
      if (!set) {
        listeners.set(runId, (set = new Set()));
        void sub.subscribe(farm.keys.events(runId));
      }
      set.add(onEvent);
      return () => {
        set!.delete(onEvent);
        if (!set!.size) {
          listeners.delete(runId);
          void sub.unsubscribe(farm.keys.events(runId));
        }
      };
    },
    queues: () => [...queueCache.values()],
    async queueDepths() {
      const out: Record<string, Record<string, number>> = {};
      for (const q of await knownQueues()) out[q.name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
      return out;
    },
    listSchedules() {
      return listSchedules(farm, { queue: queueOf(SCHEDULE_QUEUE), specFiles: false });
    },
    async close() {
      await Promise.allSettled(running.values());
      await Promise.all([...queueCache.values()].map((q) => q.close()));
      await validator.close();
      sub.disconnect();
    },
  };
}
