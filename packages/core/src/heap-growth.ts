import { setFlagsFromString } from 'node:v8';

/**
 * How far a long pass's old generation may grow past what survived the last full GC before the
 * next one, in percent: V8's own conservative factor (1.3).
 */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Keeps a process's memory flat however long it works: a farm worker however many records it
 * processes, a farm run's coordinator however many it commits, `synthfarm profile` however many
 * rows it reads.
 *
 * A worker's main thread holds little (~25 MB live after every full GC, the same after 2,000 or
 * 200,000 records) but promotes a steady ~1 MB/s of garbage: objects that live as long as a model
 * call or a batch (fetch requests and bodies, batch results on their way to Redis) outlive two
 * scavenges. After each full GC V8 lets the old generation grow to the live heap times a factor
 * it derives from the allocation and GC speeds it measured (1.1 to 4 with node's default heap
 * limit here, 4 GB). In steady work it picks ~1.4 (old space ~37 MB, a full GC every ~10 s); but
 * at some GCs (mostly the one a few seconds after start-up, while the worker loads its modules and
 * starts its first batches) it picks ~4, which holds until the next full GC, and that then comes
 * only when the old space reaches ~100 MB: garbage retained by no one and not collected. A short run ends before that, a
 * long one does not, so a worker's RSS grew with the length of its run (bench:farm 4 × 4, the
 * largest of four workers: 154-162 MB after 20k records, 230 MB after 200k; in the 200k run
 * three of the four stayed at ~160 MB). A fixed factor of 1.3 keeps every worker on the steady
 * schedule from its first GC: a full GC every ~10 s, ~30 ms at this live size, whose cost per
 * second does not depend on the live size.
 *
 * `synthfarm profile` is the same shape: its sketches are capped (its live heap is the same
 * after 200k, 1M and 3M rows: it completes all three under `--max-old-space-size=48`), but every
 * row it parses is garbage, and under V8's own factor its peak RSS grew with the file (a 10-column
 * CSV: 134 MB at 200k rows, 154 MB at 1M, 199 MB at 3M); bounded, 131, 127 and 132 MB, in the same
 * time (5.35 s for 1M rows either way).
 *
 * The setting is process-wide: for a process that is one of those (the launcher calls this before
 * the CLI loads). A `--heap-growing-percent` given to node itself wins.
 */
export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT, execArgv = process.execArgv): void {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
