import type { DataRecord } from '@synthfarm/codegen';
import type { Reject } from '@synthfarm/output';
import type { AuditSummary } from './audit-summary.js';
import type { EncodedBatch } from './batch-task.js';
import type { BatchRoute, RouteVerdict } from '@synthfarm/routing';
import type { RoutingDecision } from './manifest.js';

/**
 * A batch between stages. `records[k]` is record `start + k`, or null once rejected
 * (its reason is in `rejects`): a record leaves only as written or as rejected.
 */
export interface StagedBatch {
  datasetIndex: number;
  batch: number;
  start: number;
  count: number;
  /** Records (model path), or... */
  records?: (DataRecord | null)[];
  /** ...lines a worker already encoded (code-only path); `dropped` marks rejected offsets. */
  encoded?: EncodedBatch & { dropped: Set<number>; replaced?: Partial<Record<string, Map<number, string>>> };
  rejects: Reject[];
  /** What the model stages decided for this batch, in order (the committer records them in commit order). */
  routing?: RoutingDecision[];
  /** This batch's enrich/audit figures. */
  audit?: AuditSummary;
  /** The batch's routes (from its job), and what each backend did per field (the router learns from it). */
  route?: BatchRoute;
  verdicts?: RouteVerdict[];
}

/** A stage after the code stage (the model stages): fills or rejects records of a batch. */
export interface RecordStage {
  process(batch: StagedBatch, signal: AbortSignal): Promise<StagedBatch>;
}
