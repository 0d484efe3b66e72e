import type { Redis } from 'ioredis';
import type { Spec } from '@synthfarm/spec';
import { primaryBackendName } from '@synthfarm/routing';
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
  models: string[];
  seenAt: string;
}

/**
 * Says so when nobody can take a farm run's batches (issue 8 item 5): every `checkEveryMs` it reads
 * the workers' heartbeats and, while no live worker serves the model of the dataset being produced
 * (or, for code-only and remote-API batches, no worker is connected at all), calls `warn` with
 * "0 workers serve gemma3:4b; start one with ...", again every `repeatEveryMs`. Returns the stop
 * function. A run without workers otherwise waits in silence.
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
      const model = modelOf(opts.spec, d);
      const now = Date.now();
      const live = Object.values(await opts.redis.hgetall(opts.keys.workers))
        .map((raw) => JSON.parse(raw) as WorkerBeat)
        .filter((w) => now - Date.parse(w.seenAt) < stale);
      const serving = model ? live.filter((w) => w.models.some((m) => sameModel(m, model))) : live;
      if (serving.length) {
        lastWarn = 0;
        return;
      }
      if (lastWarn && now - lastWarn < repeat) return;
      lastWarn = now;
      const hint = `start one with \`synthfarm worker --redis ${redactUrl(opts.redisUrl)} --host NAME=URL\``;
      opts.warn(model ? `0 workers serve ${model}${live.length ? ` (${live.length} connected serve other models)` : ''}; ${hint}` : `0 workers are connected; ${hint}`);
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
