import { Stringifier } from 'csv-stringify';
import { stringify } from 'csv-stringify/sync';
import { csvCells } from './csv-cells.js';
import { parseCsvLine } from './csv-line.js';
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
  const line = csvLineEncoder();
  // One cells array per encoder: csv-stringify reads it and keeps nothing.
  const cells = new Array<string>(segments.length);
  return (rec) => line(csvCells(rec, segments, escape, cells));
}

/** Sets one top-level field of a record already encoded as a line. */
export type LinePatcher = (line: string, field: string, value: unknown) => string;

/**
 * Changes one top-level field of an encoded record without the record: what the aggregator
 * does when uniqueness suffixes a template (`ann.lee2@…`) in a batch a worker already encoded.
 * JSONL round-trips through JSON (key order and number text survive it); CSV is split back
 * into its cells, the cell replaced, and the line re-quoted by csv-stringify.
 */
export function createLinePatcher(format: Format, opts: EncoderOptions): LinePatcher {
  if (format === 'jsonl') {
    return (line, field, value) => {
      const o = JSON.parse(line) as OutRecord;
      o[field] = value;
      return JSON.stringify(o) + '\n';
    };
  }
  const escape = opts.escapeFormulas ?? true;
  const encode = csvLineEncoder();
  return (line, field, value) => {
    const c = opts.columns.indexOf(field);
    if (c < 0) throw new Error(`no column ${field}`);
    const cells = parseCsvLine(line);
    cells[c] = csvCells({ v: value }, [['v']], escape)[0]!;
    return encode(cells);
  };
}

/**
 * One CSV line per call from csv-stringify, with its options normalized once. The sync API
 * normalizes options on every call, which costs more than the quoting itself when called per
 * record (and per-record lines are what lets the aggregator patch one record of a batch).
 * `api.__transform` is what csv-stringify's own stream and sync API call per record; the
 * encoder test checks its lines against the sync API's output.
 */
function csvLineEncoder(): (cells: string[]) => string {
  const s = new Stringifier(CSV_OPTIONS) as unknown as { api?: { __transform(row: unknown, push: (line: string) => void): Error | undefined } };
  const api = s.api;
  if (!api || typeof api.__transform !== 'function') return (cells) => (isBlankRow(cells) ? EMPTY_ONE_CELL_ROW : stringify([cells], CSV_OPTIONS));
  let out = '';
  const push = (chunk: string) => {
    out += chunk;
  };
  return (cells) => {
    if (isBlankRow(cells)) return EMPTY_ONE_CELL_ROW;
    out = '';
    const err = api.__transform(cells, push);
    if (err) throw err;
    return out;
  };
}

/**
 * A one-column row whose cell is empty (null or "") would be a blank line, which CSV readers
 * (csv-parse, Python's csv, pandas, spreadsheets) drop as no row at all. It is written as `""`:
 * a row holding one empty cell, so the file keeps one line per record. In a one-column file a null
 * therefore reads back as "" (in wider rows a null stays an empty, unquoted cell).
 */
const EMPTY_ONE_CELL_ROW = '""\r\n';

function isBlankRow(cells: string[]): boolean {
  return cells.length === 1 && cells[0] === '';
}

/**
 * RFC 4180: CRLF line endings, quotes only where needed. csv-stringify quotes a field holding
 * the record delimiter, but not a lone CR or LF; RFC 4180 wants those quoted too.
 */
export const CSV_OPTIONS = { record_delimiter: '\r\n', eof: true, quoted_match: /[\r\n]/ } as const;

/** The CSV header line for some columns. */
export function csvHeader(columns: string[]): string {
  return stringify([columns], CSV_OPTIONS);
}
