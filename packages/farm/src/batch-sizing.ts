import type { Redis } from 'ioredis';
import type { Spec } from '@synthfarm/spec';
import { DEFAULT_RECORDS_PER_CALL } from '@synthfarm/stages';
import type { FarmKeys } from './keys.js';
import { modelOf } from './worker-watch.js';

/**
 * How many batches a worker and the coordinator keep in flight, from the host's slots and the
 * model calls a batch makes. Shared by producer and consumer (like farm-constants.ts) so that the
 * coordinator's window covers exactly what the live workers will take.
 */

/** A worker's heartbeat as the coordinator reads it (`keys.workers`, every 5 s). */
export interface WorkerBeat {
  host: string;
  models: string[];
  slots: number;
  seenAt: string;
}

/** Default batch size of a spec (spec-schema.ts) when a dataset does not say. */
const DEFAULT_BATCH_SIZE = 250;

/** Model calls one batch of a dataset makes at once (its records / records per call), at least 1. */
export function callsPerBatch(ds: { batchSize?: number; recordsPerCall?: number | undefined }): number {
  const size = ds.batchSize ?? DEFAULT_BATCH_SIZE;
  return Math.max(1, Math.ceil(size / (ds.recordsPerCall ?? Math.min(DEFAULT_RECORDS_PER_CALL, size))));
}

/**
 * Batches a worker holds at once for a host of `slots` slots: enough for the host's slots plus one
 * batch ready for the slots a finishing batch frees (the prefetch of one that Celery and RabbitMQ
 * recommend for long tasks). Holding more (the old `slots` batches, ×calls queued per slot) only
 * queues calls on this host while another host's slots sit idle, and lengthens every batch.
 */
export function batchesHeld(slots: number, calls: number): number {
  return Math.ceil(slots / Math.max(1, calls)) + 1;
}

/**
 * Batches a worker asks for next, after a batch of `calls` model calls: enough to fill the host's
 * slots, plus the one ready batch of {@link batchesHeld} only while the queue has more batches
 * waiting than there are workers to take them. Near a run's end a ready batch sits behind the
 * host's busy slots while another host idles: the run then waits a whole extra call for it (at
 * 64 hosts × 8 slots, most of the idle slot time after the last full moment).
 */
export function batchesToHold(slots: number, calls: number, waiting: number, workers: number): number {
  const fill = Math.ceil(slots / Math.max(1, calls));
  return waiting > workers ? fill + 1 : fill;
}

/**
 * Batches a worker holds before it has seen a run's batch shape: `slots`, as if each batch were one
 * call, so no slot is left idle at the start (BullMQ applies a lower concurrency only as batches
 * finish, and a higher one too: starting low would leave slots idle for a whole first batch).
 */
export function initialBatchesHeld(slots: number): number {
  return Math.max(1, slots);
}

/**
 * The coordinator's window for a dataset: twice what the live workers serving its model hold, so
 * that every worker stays full while results wait to be committed in order; never below `min`.
 */
export function windowFor(beats: WorkerBeat[], model: string | undefined, calls: number, min: number): number {
  const serving = model ? beats.filter((w) => w.models.some((m) => sameModel(m, model))) : beats;
  const held = serving.reduce((n, w) => n + batchesHeld(Math.max(1, w.slots || 1), calls), 0);
  return Math.max(min, 2 * held);
}

/** Heartbeats of the workers seen within `staleMs` (default 15 s: three missed beats). */
export async function liveWorkers(redis: Pick<Redis, 'hgetall'>, keys: FarmKeys, staleMs = 15_000): Promise<WorkerBeat[]> {
  const now = Date.now();
  return Object.values(await redis.hgetall(keys.workers))
    .map((raw) => JSON.parse(raw) as WorkerBeat)
    .filter((w) => now - Date.parse(w.seenAt) < staleMs);
}

/**
 * The committer's window for dataset `d`, sized to the farm that is there (64 hosts × 8 slots
 * need ~10× the batches 4 × 4 do): twice what the live workers serving its model hold, from their
 * heartbeats, read at most every 2 s; never below `min`. Heartbeats that cannot be read leave the
 * last size.
 */
export function farmWindow(redis: Pick<Redis, 'hgetall'>, keys: FarmKeys, spec: Spec, min: number): (d: number) => Promise<number> {
  let last = { d: -1, at: 0, size: min };
  return async (d) => {
    if (d === last.d && Date.now() - last.at < 2000) return last.size;
    const beats = await liveWorkers(redis, keys).catch(() => undefined);
    const size = beats ? windowFor(beats, modelOf(spec, d), callsPerBatch(spec.datasets[d]!), min) : d === last.d ? last.size : min;
    last = { d, at: Date.now(), size };
    return size;
  };
}

function sameModel(a: string, b: string): boolean {
  const norm = (m: string) => (m.includes(':') ? m : `${m}:latest`);
  return norm(a) === norm(b);
}
