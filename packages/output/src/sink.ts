import type { OutputFormat } from '@synthfarm/spec';
import type { FileInfo } from './atomic-file.js';

/** A record as the sinks see it: JSON values, nesting kept. */
export type OutRecord = Record<string, unknown>;

/** A finished output file as the manifest lists it. */
export interface SinkFile extends FileInfo {
  format: OutputFormat;
  rows: number;
}

/**
 * Where committed records go, in record order. One implementation per format; every
 * implementation passes the contract suite in sink.contract.test.ts.
 */
export interface Sink {
  readonly format: 'csv' | 'jsonl';
  /** Appends records (in order); resolves when the file can take more. */
  write(records: readonly OutRecord[]): Promise<void>;
  /** One record as this format's line (what worker threads do ahead of time). */
  encode(rec: OutRecord): string;
  /** Appends `rows` records already encoded as lines. */
  writeEncoded(text: string, rows: number): Promise<void>;
  /** Completes the file and renames it into place. */
  commit(): Promise<SinkFile>;
  /** Removes the partial file. */
  abort(): Promise<void>;
}
