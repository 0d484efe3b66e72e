import type { RefColumns, DataRecord } from '@synthfarm/codegen';
import type { Spec } from '@synthfarm/spec';

/** A batch descriptor: which records of which dataset. Carries no rows. */
export interface BatchTask {
  /** Identifies the spec in a worker's compile cache (its sha256 plus overrides). */
  specKey: string;
  spec: Spec;
  datasetIndex: number;
  /** Index of the batch's first record within the dataset. */
  start: number;
  count: number;
  /** Written columns of referenced datasets, shared across threads without copying. */
  refColumns: RefColumns;
}

/** A record the code stage could not make valid (a bug if it ever happens; never dropped). */
export interface InvalidRecord {
  offset: number;
  error: string;
}

export interface BatchResult {
  records: DataRecord[];
  invalid: InvalidRecord[];
}
