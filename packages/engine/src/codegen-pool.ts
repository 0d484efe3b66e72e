import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import type { Piscina } from 'piscina';
import type { BatchResult, BatchTask } from './batch-task.js';
import { asThreadLost } from './thread-lost.js';

/** Runs code-stage batches: on worker threads, or inline on the calling thread. */
export interface CodegenPool {
  run(task: BatchTask): Promise<BatchResult>;
  readonly threads: number;
  close(): Promise<void>;
}

/** Tasks handed to a code thread ahead of the one it runs. */
export const TASKS_QUEUED_PER_THREAD = 3;

/**
 * Below this many records in all, divided by the cores, a run's code fields run inline: each code
 * thread is a Node isolate that loads the generator and compiles its hot loops for itself, and
 * for a short run that costs more than a second core gives back. Measured on 2 cores with
 * jobs/loadtest-customers.yaml, time to publish (inline / 1 thread / 2 threads): 9.7k records
 * 272 / 350 / 445 ms, 38k 564 / 599 / 713 ms, 97k 1060 / 1062 / 1120 ms, 193k 1822 / 1792 / 1684
 * ms: the threads pay off from ~120k records. More cores split the same start-up over more of
 * them, so the line moves down as they are added (2 cores: 100,000 records; 8 cores: 25,000).
 */
export const INLINE_RECORDS_TIMES_CORES = 200_000;

/**
 * Default thread count of a run of `records` records in all: none (inline) on one core or for a
 * short run (see {@link INLINE_RECORDS_TIMES_CORES}), else one per core (the committer's own
 * work is light).
 */
export function defaultThreads(records: number, cores = availableParallelism()): number {
  if (cores <= 1 || records * cores < INLINE_RECORDS_TIMES_CORES) return 0;
  return cores;
}

/** Old-generation cap of a code thread, in MB, for batches of up to `records` records. */
export function oldGenerationMb(records: number): number {
  return Math.max(96, 48 + Math.ceil((records * 8) / 1024));
}

/**
 * A code thread's young generation, by the records of its longest task. A short task (an
 * embedded code-only batch is cut to 250 records) leaves little alive at a scavenge: 16 MB (8 MB
 * cost ~15% throughput in scavenges). A task of thousands of records (a source batch, a batch
 * loaded into PostgreSQL: a whole batch a task) keeps its lines, keys and current rows alive
 * through ~25 scavenges at 16 MB, each copying them again: 48 MB there. bench:migrate's 1M rows,
 * 5 runs each: 8.21 -> 7.83 s (medians), node CPU 11.4 -> 10.9 s, peak RSS 333-341 -> 347-359 MB.
 * 64 MB and more added ~90 MB of RSS for little more.
 */
export function youngGenerationMb(taskRecords: number): number {
  return taskRecords > 1000 ? 48 : 16;
}

/**
 * Young-generation collections done by the collecting thread alone, in every isolate of the
 * process, once code threads fill the cores. V8 splits a scavenge into parallel tasks on its
 * helper threads and the collecting thread waits for all of them; with a code thread on every
 * core (and the committer and PostgreSQL beside them) those helpers wait for a core, and a
 * scavenge of ~0.5 MB of survivors took 1-8 ms. Read by V8 at each scavenge, so it may change
 * while the process runs (unlike --single-threaded-gc, which crashed Node 20 set that way). It
 * stays set for the process's life (a server keeps it after such a run): where cores are free,
 * a scavenge of a code thread's young generation is then a few milliseconds slower at most.
 */
function serialScavenges(): void {
  if (process.execArgv.some((a) => /^--(no-)?parallel[-_]scavenge\b/.test(a))) return;
  setFlagsFromString('--no-parallel-scavenge');
}

// Under vitest the sources are .ts; worker threads run the built .js next to them in dist/.
function workerFile(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../dist/batch-worker.js', here) : new URL('./batch-worker.js', here);
  return fileURLToPath(url);
}

/**
 * @param threads worker threads; 0 runs batches inline on this thread (short runs, one core, tests).
 */
export function createCodegenPool(threads: number, opts: { maxBatchRecords?: number; maxTaskRecords?: number } = {}): CodegenPool {
  if (threads <= 0) {
    return {
      threads: 0,
      // Loaded on first use: the pool's own module stays light enough to start threads early.
      run: async (task) => (await import('./generate-batch.js')).generateBatch(task),
      close: async () => undefined,
    };
  }
  // piscina is required when a pool with threads is made, not when this module loads: it is
  // ~15 files read from node_modules (the CLI bundle leaves it out, as it finds its worker file
  // beside itself), ~15 ms of every start that runs inline, a farm coordinator's included.
  const { Piscina: Pool } = createRequire(import.meta.url)('piscina') as typeof import('piscina');
  if (threads >= availableParallelism()) serialScavenges();
  const pool = new Pool<BatchTask, BatchResult>({
    filename: BATCH_WORKER_FILE,
    minThreads: threads,
    maxThreads: threads,
    // No queue limit here: the pipeline's window bounds the batches in flight (a limit below
    // the window would fail a run with 'Task queue is at limit').
    idleTimeout: 30_000,
    // Each thread holds its next tasks in its own queue: with one task a thread, a thread that
    // finishes waits for the aggregator to be scheduled and hand it the next one, and on a
    // machine whose cores the code threads fill that wait cost 15-25% of a thread's time
    // (measured with --cpu-prof: piscina's atomicsWaitLoop). Tasks still run one after another in
    // a thread, in the order they came (batch-worker.ts); only descriptors wait.
    concurrentTasksPerWorker: TASKS_QUEUED_PER_THREAD,
    // Code-stage threads hold one batch at a time. Left alone, V8 lets each thread's heap grow
    // to ~90 MB of garbage before collecting it; a cap sized to the largest batch (8 KB a record
    // is generous) keeps RSS flat, measured at -55 MB for two threads on a million records.
    // The young generation: see youngGenerationMb.
    resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb(opts.maxTaskRecords ?? DEFAULT_BATCH_RECORDS), maxOldGenerationSizeMb: oldGenerationMb(opts.maxBatchRecords ?? DEFAULT_BATCH_RECORDS) },
  });
  return codegenPoolOf(pool, threads);
}

/** A piscina pool of batch-worker threads as a {@link CodegenPool}: a task whose thread died rejects with {@link ThreadLost}. */
export function codegenPoolOf(pool: Piscina<BatchTask, BatchResult>, threads: number): CodegenPool {
  return {
    threads,
    run: (task) =>
      pool.run(task).catch((err: unknown) => {
        throw asThreadLost(err);
      }),
    close: () => pool.destroy(),
  };
}

const DEFAULT_BATCH_RECORDS = 250;

/** The file piscina runs batch tasks in. */
export const BATCH_WORKER_FILE = workerFile();

/** A pool whose threads start on first use (a farm coordinator rarely needs any). */
export function lazyPool(create: () => CodegenPool): CodegenPool {
  let pool: CodegenPool | undefined;
  return {
    get threads() {
      return (pool ??= create()).threads;
    },
    run: (task) => (pool ??= create()).run(task),
    close: async () => pool?.close(),
  };
}
