import { setFlagsFromString } from 'node:v8';

/**
 * How far a worker process's old generation may grow past what survived the last full GC before
 * the next one, in percent: V8's own conservative factor (1.3).
 */
export const WORKER_HEAP_GROWING_PERCENT = 30;

/**
 * Keeps a worker process's memory flat however many records it processes.
 *
 * A worker's main thread holds little (~25 MB live, the same after 2,000 or 200,000 records)
 * but makes a steady stream of objects that live as long as a model call or a batch (requests,
 * response bodies, batch results on their way to Redis): they outlive two scavenges and are
 * promoted, ~1 MB/s per worker in `bench:farm`. V8 lets the old generation grow to up to 4× the
 * live heap before a full GC (its factor comes from the allocation and GC speeds it measured,
 * during start-up too, on a machine this large), so the old generation filled with that garbage
 * up to ~80 MB and the process's RSS rose with the length of the run (158 MB after 20k records,
 * 231 MB after 200k): retained by no one, but not collected. A fixed factor makes full GCs come
 * every few tens of seconds instead (~30 ms each at this live size); their cost per second does
 * not depend on the live size.
 *
 * For the process that is a worker (`synthfarm worker`): the setting is process-wide. A
 * `--heap-growing-percent` given to node itself wins.
 */
export function boundWorkerHeapGrowth(percent = WORKER_HEAP_GROWING_PERCENT, execArgv = process.execArgv): void {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
