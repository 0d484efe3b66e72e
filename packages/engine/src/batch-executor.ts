import type { BatchJob } from './batch-job.js';
import type { BatchOutput } from './batch-output.js';

/**
 * Runs batch jobs somewhere and hands their outputs back, in any order: on this process's threads
 * (embedded mode) or on BullMQ workers (farm mode). The committer drives it and commits in order.
 */
export interface BatchExecutor {
  /** Hands jobs out, in order. Idempotent per (run, dataset, batch): a re-offered job runs once more at most. */
  dispatch(jobs: BatchJob[]): Promise<void>;
  /**
   * The output of `job`, once some worker finished it (a batch that failed for good comes back as
   * rejects). `signal` gives up waiting (the run was cancelled): the promise then rejects.
   */
  take(job: BatchJob, signal?: AbortSignal): Promise<BatchOutput>;
  /** The committer wrote `job`'s output: its result may be dropped. */
  release(job: BatchJob): Promise<void>;
  /** The committer will never take these jobs (the run was cancelled): unstarted ones are withdrawn, results dropped. */
  discard(jobs: BatchJob[]): Promise<void>;
  /** Stops work in flight (its results are not wanted) and releases threads and connections. */
  close(): Promise<void>;
}
