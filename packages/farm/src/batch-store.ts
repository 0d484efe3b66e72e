import type { BatchOutput } from './batch-output.js';

/**
 * Where finished batches wait for the aggregator. Bounded by the producer's in-flight window,
 * not by the dataset. `put` is idempotent (at-least-once delivery may put a batch twice).
 * Every implementation passes the contract suite in batch-store.contract.test.ts.
 */
export interface BatchStore {
  put(runId: string, dataset: number, batch: number, out: BatchOutput): Promise<void>;
  get(runId: string, dataset: number, batch: number): Promise<BatchOutput | undefined>;
  delete(runId: string, dataset: number, batch: number): Promise<void>;
  /** Resolves when some batch of the run may have finished, or after `timeoutMs`. */
  wait(runId: string, timeoutMs: number): Promise<void>;
}
