import { setMaxListeners } from 'node:events';
import type { RefColumns } from '@synthfarm/codegen';
import type { BatchExecutor } from './batch-executor.js';
import type { BatchJob } from './batch-job.js';
import type { BatchOutput } from './batch-output.js';
import type { BatchProcessor } from './batch-processor.js';
import { ThreadLost, THREAD_RETRY_DELAY_MS, THREAD_TASK_ATTEMPTS } from './thread-lost.js';

/**
 * The embedded executor: each job runs at once in this process, its code fields on the
 * processor's piscina threads and its model stages here. A failed batch aborts the others
 * (their model calls stop); the committer sees the failure when it takes that batch.
 */
export function createThreadExecutor(processor: BatchProcessor, refColumns: (d: number) => Promise<RefColumns>, signal?: AbortSignal): BatchExecutor {
  const controller = new AbortController();
  const stop = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  // Every model call of every in-flight batch listens on this one signal.
  setMaxListeners(0, stop);
  const running = new Map<string, Promise<BatchOutput>>();
  const dropped: Promise<BatchOutput>[] = [];
  const key = (j: BatchJob) => `${j.dataset}:${j.batch}`;
  return {
    async dispatch(jobs) {
      for (const job of jobs) {
        // A batch whose code thread died is run again: its output depends only on the job.
        const attempt = (n: number): Promise<BatchOutput> =>
          refColumns(job.dataset)
            .then((cols) => processor.process(job, cols, stop))
            .catch(async (err: unknown) => {
              if (!(err instanceof ThreadLost) || n >= THREAD_TASK_ATTEMPTS || stop.aborted) throw err;
              // A short backoff: piscina replaces the dead thread meanwhile (a task sent at once may meet it dying).
              await new Promise((r) => setTimeout(r, THREAD_RETRY_DELAY_MS * n));
              return attempt(n + 1);
            });
        const p = attempt(1);
        p.catch(() => controller.abort());
        running.set(key(job), p);
      }
    },
    take(job) {
      const p = running.get(key(job));
      if (!p) throw new Error(`[run] batch ${key(job)} was never dispatched`);
      return p;
    },
    async release(job) {
      running.delete(key(job));
    },
    async discard(jobs) {
      // Nobody will take their results; close() stops them as it does every batch in flight.
      for (const job of jobs) {
        const p = running.get(key(job));
        if (p) dropped.push(p);
        running.delete(key(job));
      }
    },
    async close() {
      controller.abort();
      await Promise.allSettled([...running.values(), ...dropped]);
      running.clear();
    },
  };
}
