import type { RecordOp } from '@synthfarm/codegen';
import type { RefColumns, DataRecord } from '@synthfarm/codegen';
import type { EncoderOptions, Format, Reject } from '@synthfarm/output';
import type { PackedLines, WireLines } from './packed-lines.js';
import type { Spec } from '@synthfarm/spec';
import type { BatchSummary } from '@synthfarm/report/batch-summary';
import type { SourcePosition } from '@synthfarm/sources';

/**
 * Asks the worker to encode records into output lines itself (datasets with no model
 * fields): the aggregator then moves strings, not objects.
 */
export interface EncodeRequest {
  formats: Format[];
  /** Each format's encoder options (columns, formula escaping, hidden fields left out). */
  options: Partial<Record<Format, EncoderOptions>>;
  /** Field paths later datasets reference: their values come back alongside the lines. */
  refFields: string[];
  /** Summarize the valid records for the run's report (not for the committer's key passes). */
  summarize?: boolean;
}

/** A batch already encoded by a worker. */
export interface EncodedBatch {
  /** Per format, the batch's lines packed (line k = record start + k); from a code thread, maybe as bytes. */
  lines: Partial<Record<Format, WireLines>>;
  /** Unique-field keys, `uniqueCount` per record, NaN for null. */
  keys: Float64Array;
  /**
   * Values of unique template fields ('' for other unique fields), laid out like `keys`, packed:
   * one string crosses the thread boundary, and only collisions read it.
   */
  templateValues: PackedLines;
  /** Per referenced field, one value per record. */
  refValues: unknown[][];
  /** The report's summary of the batch's valid records, when asked for. */
  summary?: BatchSummary;
}

/** A batch descriptor: which records of which dataset. Carries no rows. */
export interface BatchTask {
  /** Identifies the spec in a worker's compile cache (its sha256 plus overrides). */
  specKey: string;
  /**
   * The spec, as an object (in-process callers) or as JSON text: one string clones across a
   * thread boundary much faster than an object graph, and a thread parses it once per key.
   */
  spec?: Spec;
  specJson?: string;
  datasetIndex: number;
  /** Index of the batch's first record within the dataset. */
  start: number;
  count: number;
  /** Written columns of referenced datasets, shared across threads without copying. */
  refColumns: RefColumns;
  /** Changes uniqueness made to some records (by offset), replayed so a remote worker builds the admitted records. */
  ops?: Record<number, ReadonlyArray<RecordOp>>;
  /** A source dataset's legacy rows, one per record (null: malformed, its reject is the processor's). */
  sourceRows?: Array<Record<string, unknown> | null>;
  /**
   * A source dataset's batch whose thread reads its own source range (code-only datasets): the
   * legacy rows never cross a thread boundary, and the aggregator's thread does not parse them.
   * The result's `source` holds what the aggregator needs of them.
   */
  readSource?: boolean;
  /** With `readSource`: where the source's reader starts (see sourcePosition), when the caller knows. */
  sourceAt?: SourcePosition | undefined;
  /** Encode in the worker instead of returning records. */
  encode?: EncodeRequest;
}

/** A record the code stage could not make valid (a bug if it ever happens; never dropped). */
export interface InvalidRecord {
  offset: number;
  error: string;
}

export interface BatchResult {
  /** The records, unless the task asked for them encoded. */
  records?: DataRecord[];
  encoded?: EncodedBatch;
  invalid: InvalidRecord[];
  /** With `readSource`: the source key per record and the malformed rows' rejects (naming their lines). */
  source?: { keys: unknown[]; rejects: Reject[] };
}
