import type { DataRecord } from '@synthfarm/codegen';
import type { Reject } from '@synthfarm/output';

/**
 * A batch between stages. `records[k]` is record `start + k`, or null once rejected
 * (its reason is in `rejects`): a record leaves only as written or as rejected.
 */
export interface StagedBatch {
  datasetIndex: number;
  batch: number;
  start: number;
  records: (DataRecord | null)[];
  rejects: Reject[];
}

/** A stage after the code stage (the model stages): fills or rejects records of a batch. */
export interface RecordStage {
  process(batch: StagedBatch, signal: AbortSignal): Promise<StagedBatch>;
}
