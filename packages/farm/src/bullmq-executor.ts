import { Queue } from 'bullmq';
import type { Logger } from '@synthfarm/core';
import { rejectedBatch, type BatchExecutor, type BatchJob, type BatchOutput } from '@synthfarm/engine';
import type { Spec } from '@synthfarm/spec';
import { BatchJobSchema, jobId, queueFor } from './batch-job.js';
import type { BatchStore } from './batch-store.js';
import { BATCH_ATTEMPTS } from './farm-constants.js';
import type { FarmKeys } from './keys.js';

export interface BullmqExecutorOptions {
  redisUrl: string;
  keys: FarmKeys;
  results: BatchStore;
  spec: Spec;
  log: Logger;
  signal?: AbortSignal | undefined;
}

/** How long a batch may go without news before its job is looked at, in ms. */
const STUCK_CHECK_MS = 5000;

/**
 * The farm executor: jobs are BullMQ jobs (descriptors, never rows) on the queue of the model
 * they need; outputs wait in the bounded BatchStore until the committer takes them. A job that
 * vanished is re-offered, one that failed for good comes back as rejects.
 */
export function createBullmqExecutor(opts: BullmqExecutorOptions): BatchExecutor {
  const { results, log } = opts;
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, {
        connection: { url: opts.redisUrl, maxRetriesPerRequest: null },
        prefix: opts.keys.prefix,
        defaultJobOptions: { attempts: BATCH_ATTEMPTS, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 1000 } },
      });
      q.on('error', (err) => log.warn({ err: err.message }, 'queue connection error'));
      queues.set(name, q);
    }
    return q;
  };
  // Each dataset's unrouted queue is opened now: its connection is made while the committer opens
  // the run's files, not on the first dispatch, which every worker is waiting for.
  for (let d = 0; d < opts.spec.datasets.length; d++) queue(queueFor(opts.spec, d));
  const add = async (jobs: BatchJob[]) => {
    const byQueue = new Map<string, BatchJob[]>();
    for (const j of jobs) {
      const name = queueFor(opts.spec, j.dataset, j.route);
      byQueue.set(name, [...(byQueue.get(name) ?? []), j]);
    }
    // Bulk adds in chunks: one round trip per 100 descriptors; job ids make re-adds idempotent.
    for (const [name, list] of byQueue) {
      for (let i = 0; i < list.length; i += 100) {
        await queue(name).addBulk(list.slice(i, i + 100).map((j) => ({ name: 'batch', data: BatchJobSchema.parse(j), opts: { jobId: jobId(j.runId, j.dataset, j.batch) } })));
      }
    }
  };
  return {
    dispatch: add,
    async take(job, giveUp) {
      let last = Date.now();
      for (;;) {
        const out = await results.get(job.runId, job.dataset, job.batch);
        if (out) return out;
        if (opts.signal?.aborted || giveUp?.aborted) throw new (await import('@synthfarm/core')).SynthfarmError('INTERNAL', '[farm] coordinator stopped', 1);
        await results.wait(job.runId, 1000);
        if (Date.now() - last > STUCK_CHECK_MS) {
          last = Date.now();
          const failed = await checkStuck(queue(queueFor(opts.spec, job.dataset, job.route)), job, opts.spec.datasets[job.dataset]!.name, log, () => add([job]));
          if (failed) return failed;
        }
      }
    },
    release: (job) => results.delete(job.runId, job.dataset, job.batch),
    async discard(jobs) {
      // Off the queue (a batch a worker holds finishes unused), and its result dropped.
      for (const j of jobs) {
        await (await queue(queueFor(opts.spec, j.dataset, j.route)).getJob(jobId(j.runId, j.dataset, j.batch)))?.remove().catch(() => undefined);
        await results.delete(j.runId, j.dataset, j.batch);
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

/**
 * A batch that never arrives: re-offered when its job vanished (Redis lost it), turned into
 * rejects when its job failed for good, so the run still ends with every record accounted for.
 */
async function checkStuck(q: Queue, j: BatchJob, dataset: string, log: Logger, reoffer: () => Promise<void>): Promise<BatchOutput | undefined> {
  const job = await q.getJob(jobId(j.runId, j.dataset, j.batch));
  if (!job) {
    // Gone without a result (Redis lost writes), or completed just now: re-adding is safe
    // either way, a result is idempotent.
    log.warn({ runId: j.runId, dataset: j.dataset, batch: j.batch }, 'batch job missing; re-offering it');
    await reoffer();
    return undefined;
  }
  const state = await job.getState();
  // 'failed' is final in BullMQ (a job with attempts left waits in 'delayed' or 'wait'); a job
  // failed early (stalled too often, unrecoverable) has attemptsMade < attempts and is final too.
  if (state !== 'failed') return undefined;
  const error = `batch failed after ${job.attemptsMade} attempts: ${job.failedReason}`;
  return rejectedBatch(j.count, Array.from({ length: j.count }, (_, k) => ({ dataset, index: j.start + k, reason: 'batch_failed', error })));
}
