/**
 * A legacy source: one table of rows read by range. A batch of a source dataset is a range, so
 * any worker can read its own slice (`source.read({ start, end })`) without the rows crossing
 * the queue (DESIGN §9).
 */

/** A cell as read: strings for files (sentinels such as `"NULL"` untouched), typed values for PostgreSQL. */
export type SourceValue = string | number | boolean | Date | null | Record<string, unknown> | unknown[];

/** Rows `start` (inclusive) to `end` (exclusive), 0-based, in the source's stable order. */
export interface SourceRange {
  start: number;
  end: number;
  /**
   * Where to start reading, as {@link Source.position} of the same source gave it for a row at
   * or before `start` (files: a byte offset): the reader then needs no index of its own.
   */
  at?: SourcePosition | undefined;
}

/** A row's place in a file source: its byte offset and line (1-based), from the source's index. */
export interface SourcePosition {
  row: number;
  byte: number;
  line: number;
}

/** One item of a read: a row, or a malformed row reported with where it is and why. */
export type SourceItem =
  | { ok: true; row: number; line?: number; values: Record<string, SourceValue> }
  | { ok: false; row: number; line?: number; reason: string };

/** What a source knows about a column before reading rows. */
export interface SourceColumn {
  name: string;
  /** Declared type (PostgreSQL's `udt_name`, e.g. `int4`, `date`, `text`); files have none. */
  declaredType?: string;
}

/** How a source should be described in messages and reports (never with a password). */
export interface Source {
  /** The table name: the dataset the profile writes for it (file name without extension for files). */
  readonly name: string;
  /** `[source:csv legacy/customers.csv]`, `[source:postgres host:5432/db table customers]`. */
  readonly label: string;
  /** Columns in source order. Throws {@link SourceError} when the source cannot be read. */
  columns(): Promise<SourceColumn[]>;
  /** Rows (malformed ones included: they hold a row number too). */
  count(): Promise<number>;
  /** Reads a range (default: all rows), streaming: memory does not grow with the range. */
  read(range?: SourceRange): AsyncIterable<SourceItem>;
  /**
   * The same items as {@link read}, in the same order, a run of them at a time (files: the rows of
   * one chunk read), for a reader that takes every row: an async generator's per-item promise and
   * result object cost a code thread more than the row's own parse. Optional.
   */
  readRuns?(range?: SourceRange): AsyncIterable<SourceItem[]>;
  /**
   * Files: where reading must start to reach `row` (an entry of the source's row index, built on
   * first use), to hand to another reader of the same file as {@link SourceRange.at}. A code
   * thread given it reads its batch without indexing the whole file again. Others have none.
   */
  position?(row: number): Promise<SourcePosition>;
  close(): Promise<void>;
}
