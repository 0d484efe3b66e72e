import type { RecordOp } from '@synthfarm/codegen';
import type { BatchRoute } from '@synthfarm/routing';

/**
 * A batch descriptor (DESIGN §6): which records of which dataset, and the changes uniqueness
 * admission made to some of them. Never rows. The same descriptor goes to a local thread or,
 * parsed by the farm's zod schema, to a BullMQ worker.
 */
export interface BatchJob {
  runId: string;
  dataset: number;
  batch: number;
  /** Index of the batch's first record within the dataset. */
  start: number;
  count: number;
  /** Changes uniqueness made to records, by offset in the batch (usually none). */
  ops: Record<string, ReadonlyArray<RecordOp>>;
  /** How the batch's model fields are routed, decided by the committer before dispatch (DESIGN §8). */
  route?: BatchRoute;
}
