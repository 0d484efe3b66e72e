import type { Redis } from 'ioredis';
import type { Spec } from '@synthfarm/spec';
import { datasetBackendNames, primaryBackendName } from '@synthfarm/routing';
import { isModelDataset } from '@synthfarm/spec';
import type { FarmKeys } from './keys.js';
import { redactUrl } from './redis-connection.js';

/** Options of {@link watchWorkers}. */
export interface WorkerWatchOptions {
  redis: Redis;
  keys: FarmKeys;
  /** For the hint: the worker command to start names this Redis. */
  redisUrl: string;
  spec: Spec;
  /** The dataset whose batches the run is waiting for now; undefined when it waits for none. */
  current: () => number | undefined;
  /** Called with the message while no live worker can take the current dataset's batches. */
  warn: (message: string) => void;
  /** How often workers are checked, in ms. Default 2000. */
  checkEveryMs?: number;
  /** How often the message repeats while it stays true, in ms. Default 10 000. */
  repeatEveryMs?: number;
  /** A worker whose heartbeat (every 5 s) is older than this is gone, in ms. Default 15 000. */
  staleMs?: number;
}

interface WorkerBeat {
  host: string;
  models: string[];
  seenAt: string;
}

/**
 * Says so when nobody can take a farm run's batches (issue 8 item 5): every `checkEveryMs` it reads
 * the workers' heartbeats and, while no live worker serves every model the batches of the dataset
 * being produced may call (its route's candidates, fallbacks and judge, and the spot-check stages'
 * backends: a worker calls each on its own host) — or, for code-only and remote-API batches, no
 * worker is connected at all — calls `warn` with "0 workers serve gemma3:4b; start one with ...",
 * again every `repeatEveryMs` ({@link workerShortage} words it). Returns the stop function. A run
 * without workers otherwise waits in silence.
 */
export function watchWorkers(opts: WorkerWatchOptions): () => void {
  const repeat = opts.repeatEveryMs ?? 10_000;
  const stale = opts.staleMs ?? 15_000;
  let lastWarn = 0;
  let busy = false;
  const check = async () => {
    const d = opts.current();
    if (d === undefined || busy) return;
    busy = true;
    try {
      const now = Date.now();
      const live = Object.values(await opts.redis.hgetall(opts.keys.workers))
        .map((raw) => JSON.parse(raw) as WorkerBeat)
        .filter((w) => now - Date.parse(w.seenAt) < stale);
      const short = workerShortage(opts.spec, d, live);
      if (!short) {
        lastWarn = 0;
        return;
      }
      if (lastWarn && now - lastWarn < repeat) return;
      lastWarn = now;
      opts.warn(`${short}; start one with \`synthfarm worker --redis ${redactUrl(opts.redisUrl)} --host NAME=URL\``);
    } catch {
      // Redis unreachable: the coordinator's own commands wait for it and say so.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), opts.checkEveryMs ?? 2000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Why the live workers `live` cannot take dataset `d`'s batches, or undefined when one can: a
 * worker that serves every local model the dataset may call ({@link modelsOf}), or any worker
 * for code-only and remote-API batches. The message names the models no worker serves, and the
 * ones that have a worker when only some do; when each has a worker but none has them all, it
 * says which host serves which.
 */
export function workerShortage(spec: Spec, d: number, live: ReadonlyArray<Pick<WorkerBeat, 'host' | 'models'>>): string | undefined {
  const models = modelsOf(spec, d);
  if (!models.length) return live.length ? undefined : '0 workers are connected';
  const serves = (w: Pick<WorkerBeat, 'models'>, m: string) => w.models.some((x) => sameModel(x, m));
  if (live.some((w) => models.every((m) => serves(w, m)))) return undefined;
  const missing = models.filter((m) => !live.some((w) => serves(w, m)));
  const served = models.filter((m) => !missing.includes(m));
  const route = `dataset ${spec.datasets[d]!.name}'s route may call`;
  if (!served.length) return `0 workers serve ${missing.join(', ')}${live.length ? ` (${live.length} connected serve other models)` : ''}`;
  if (missing.length) return `0 workers serve ${missing.join(', ')}, which ${route} (${served.join(', ')} ${served.length === 1 ? 'has' : 'have'} one)`;
  const where = models.map((m) => `${m} on ${[...new Set(live.filter((w) => serves(w, m)).map((w) => w.host))].join(', ')}`);
  return `no worker serves all of ${models.join(', ')}, which ${route} on the worker's own host (${where.join('; ')})`;
}

/**
 * The local models (backends without `baseUrl`) the batches of dataset `d` may call, in stage
 * order, each once; empty for code-only datasets and those that call remote APIs only.
 */
export function modelsOf(spec: Spec, d: number): string[] {
  const out: string[] = [];
  for (const n of datasetBackendNames(spec, d)) {
    const b = spec.backends[n]!;
    if (!b.baseUrl && !out.some((m) => sameModel(m, b.model))) out.push(b.model);
  }
  return out;
}

/** The local model a dataset's batches need, or undefined when any worker takes them (code-only, remote API). */
export function modelOf(spec: Spec, d: number): string | undefined {
  const ds = spec.datasets[d];
  if (!ds || !isModelDataset(ds)) return undefined;
  const name = primaryBackendName(spec);
  const b = name ? spec.backends[name] : undefined;
  return b && !b.baseUrl ? b.model : undefined;
}

function sameModel(a: string, b: string): boolean {
  const norm = (m: string) => (m.includes(':') ? m : `${m}:latest`);
  return norm(a) === norm(b);
}
