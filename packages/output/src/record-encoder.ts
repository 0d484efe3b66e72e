import { stringify } from 'csv-stringify/sync';
import { csvCells } from './csv-cells.js';
import type { OutRecord } from './sink.js';

/** Output formats. */
export type Format = 'csv' | 'jsonl';

/** How a format turns one record into one line (with its line ending). */
export type RecordEncoder = (rec: OutRecord) => string;

export interface EncoderOptions {
  /** CSV columns as dot paths. */
  columns: string[];
  /** CSV formula-injection escaping; default true. */
  escapeFormulas?: boolean;
}

/**
 * One encoder per format. Encoders are plain functions so worker threads can encode
 * records where they are generated and hand the aggregator finished lines.
 */
export function createRecordEncoder(format: Format, opts: EncoderOptions): RecordEncoder {
  if (format === 'jsonl') return (rec) => JSON.stringify(rec) + '\n';
  const segments = opts.columns.map((c) => c.split('.'));
  const escape = opts.escapeFormulas ?? true;
  return (rec) => stringify([csvCells(rec, segments, escape)], CSV_OPTIONS);
}

/** RFC 4180: CRLF line endings, quotes only where needed. */
export const CSV_OPTIONS = { record_delimiter: '\r\n', eof: true } as const;

/** The CSV header line for some columns. */
export function csvHeader(columns: string[]): string {
  return stringify([columns], CSV_OPTIONS);
}
