import { compileCsvLine } from './compiled-csv-line.js';
import { csvCells, quoteCell, type CsvCell } from './csv-cells.js';
import { omitPaths } from './omit-paths.js';
import type { OutRecord } from './sink.js';

/**
 * Line formats a batch is encoded in: the output files' `csv` and `jsonl`, and `pgcopy`, the rows
 * of a PostgreSQL table as `COPY … FROM STDIN (FORMAT csv)` reads them (see {@link copyLine}).
 */
export type Format = 'csv' | 'jsonl' | 'pgcopy';

/** How a format turns one record into one line (with its line ending). */
export type RecordEncoder = (rec: OutRecord) => string;

export interface EncoderOptions {
  /** CSV columns as dot paths; for `pgcopy`, the table's columns (top-level fields). */
  columns: string[];
  /** CSV formula-injection escaping; default true. */
  escapeFormulas?: boolean;
  /** Dot paths of `hidden: true` fields: left out of JSONL (CSV leaves them out of `columns`). */
  hidden?: string[];
}

/**
 * One encoder per format. Encoders are plain functions so worker threads can encode
 * records where they are generated and hand the aggregator finished lines.
 */
export function createRecordEncoder(format: Format, opts: EncoderOptions): RecordEncoder {
  if (format === 'jsonl') {
    const hidden = (opts.hidden ?? []).map((p) => p.split('.'));
    if (hidden.length > 0) return (rec) => JSON.stringify(omitPaths(rec, hidden)) + '\n';
    return (rec) => JSON.stringify(rec) + '\n';
  }
  if (format === 'pgcopy') {
    // Table columns are top-level fields (an object is one jsonb column), never formula-escaped.
    const segments = opts.columns.map((c) => [c]);
    // Two or more columns: a row is its CSV line (copyLine).
    const compiled = compileCsvLine(segments, false);
    if (compiled) return compiled;
    const cells = new Array<CsvCell>(segments.length);
    return (rec) => copyLine(csvCells(rec, segments, false, cells));
  }
  const segments = opts.columns.map((c) => c.split('.'));
  const escape = opts.escapeFormulas ?? true;
  const compiled = compileCsvLine(segments, escape);
  if (compiled) return compiled;
  // One cells array per encoder: the line is built from it and it keeps nothing.
  const cells = new Array<CsvCell>(segments.length);
  return (rec) => csvLine(csvCells(rec, segments, escape, cells));
}

/**
 * One row for PostgreSQL's `COPY … (FORMAT csv)`: a CSV line as {@link csvLine} writes it (NULL an
 * empty unquoted cell, '' as `""`, CRLF), which COPY reads back exactly, except for one column,
 * where COPY reads an empty line as NULL (csvLine writes `""` there, for file readers that drop
 * blank lines) and a line `\.` as the end of the data (so that value is quoted). With two or more
 * columns a row is byte for byte its CSV line: the sink then COPYs the CSV lines themselves.
 */
export function copyLine(cells: readonly CsvCell[]): string {
  if (cells.length === 1) {
    const v = cells[0] ?? null;
    if (v === null) return '\r\n';
    if (v === '\\.') return '"\\."\r\n';
  }
  return csvLine(cells);
}

/** Sets one top-level field of a record already encoded as a line. */
export type LinePatcher = (line: string, field: string, value: unknown) => string;

/**
 * Changes one top-level field of an encoded record without the record: what the aggregator
 * does when uniqueness suffixes a template (`ann.lee2@…`) in a batch a worker already encoded.
 * JSONL round-trips through JSON (key order and number text survive it); in CSV the cell's
 * new text is spliced in place of the old (the aggregator does this for every collision, so
 * the line is not split and re-quoted whole).
 */
export function createLinePatcher(format: Format, opts: EncoderOptions): LinePatcher {
  const hidden = new Set(opts.hidden ?? []);
  // A hidden field is in no line: its suffixed value matters only to the fields built from it.
  const patch = createVisiblePatcher(format, opts);
  return hidden.size === 0 ? patch : (line, field, value) => (hidden.has(field) ? line : patch(line, field, value));
}

function createVisiblePatcher(format: Format, opts: EncoderOptions): LinePatcher {
  if (format === 'pgcopy') {
    return (line, field, value) => {
      // A nested field lives in its top-level object's jsonb column: that cell's JSON changes.
      const [top, ...inner] = field.split('.');
      const c = opts.columns.indexOf(top!);
      if (c < 0) throw new Error(`no column ${top}`);
      const [from, to] = opts.columns.length === 1 ? [0, line.length - 2] : cellSpan(line, c);
      let v = value;
      if (inner.length) {
        const text = line.slice(from, to);
        const obj = JSON.parse(text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text) as Record<string, unknown>;
        let o = obj;
        for (const s of inner.slice(0, -1)) o = o[s] as Record<string, unknown>;
        o[inner.at(-1)!] = value;
        v = obj;
      }
      const cell = csvCells({ v }, [['v']], false)[0] ?? null;
      if (opts.columns.length === 1) return copyLine([cell]);
      return line.slice(0, from) + csvCell(cell) + line.slice(to);
    };
  }
  if (format === 'jsonl') {
    return (line, field, value) => {
      const o = JSON.parse(line) as OutRecord;
      o[field] = value;
      return JSON.stringify(o) + '\n';
    };
  }
  const escape = opts.escapeFormulas ?? true;
  return (line, field, value) => {
    const c = opts.columns.indexOf(field);
    if (c < 0) throw new Error(`no column ${field}`);
    // Only cell c changes: splice its new text in place of the old. The other cells keep their
    // bytes, as re-quoting them would give (they were quoted by the same rules).
    const cell = csvCells({ v: value }, [['v']], escape)[0] ?? null;
    if (opts.columns.length === 1) return csvLine([cell]);
    const [from, to] = cellSpan(line, c);
    return line.slice(0, from) + csvCell(cell) + line.slice(to);
  };
}

/**
 * Where cell `c` of an encoded CSV line starts and ends (quotes included), scanning as
 * `parseCsvLine` (csv-line.ts) does.
 */
function cellSpan(line: string, c: number): [number, number] {
  const end = line.endsWith('\r\n') ? line.length - 2 : line.length;
  let i = 0;
  for (let cell = 0; ; cell++) {
    const start = i;
    if (line.charCodeAt(i) === 34) {
      // A quoted cell ends at a quote not followed by another ("" is an escaped quote).
      for (i++; ; ) {
        const q = line.indexOf('"', i);
        if (q < 0 || q >= end) throw new Error('unterminated quoted cell');
        if (line.charCodeAt(q + 1) === 34) i = q + 2;
        else {
          i = q + 1;
          break;
        }
      }
    } else {
      const comma = line.indexOf(',', i);
      i = comma < 0 || comma >= end ? end : comma;
    }
    if (cell === c) return [start, i];
    if (i >= end) throw new Error(`no cell ${c} in the line`);
    i++; // the comma
  }
}

/**
 * One CSV line per call: the cells quoted as csv-stringify quotes them under {@link CSV_OPTIONS}
 * (a cell holding `"`, `,`, CR or LF is wrapped in quotes, its quotes doubled), joined by commas,
 * CRLF-terminated. NULL and the empty string stay apart: a `null` cell (no value) is written
 * empty and unquoted, the empty string as `""` (csv-stringify's `quoted_empty`, applied to
 * empty strings only), as PostgreSQL's `COPY … CSV` writes them and reads them back. Written out by
 * hand because it runs for every record on the code threads, where csv-stringify's general path
 * (casting, option merging, per-cell arrays) cost about a third of a thread's time. The encoder
 * test checks its lines against csv-stringify's own output, cell by cell, over awkward strings.
 */
export function csvLine(cells: readonly CsvCell[]): string {
  if (isBlankRow(cells)) return EMPTY_ONE_CELL_ROW;
  let out = csvCell(cells[0] ?? null);
  for (let c = 1; c < cells.length; c++) {
    const v = cells[c] ?? null;
    out += v === null ? ',' : ',' + csvCell(v);
  }
  return out + '\r\n';
}

/** One cell as csv-stringify writes it under {@link CSV_OPTIONS}: `null` empty, `''` as `""`. */
function csvCell(v: CsvCell): string {
  return v === null ? '' : quoteCell(v);
}

/**
 * A one-column row whose cell is null would be a blank line, which CSV readers (csv-parse,
 * Python's csv, pandas, spreadsheets) drop as no row at all. It is written as `""`, a row holding
 * one empty string, so the file keeps one line per record: in a one-column file a null therefore
 * reads back as "" (the one place NULL and "" are not told apart; in wider rows a null is an
 * empty, unquoted cell and "" is `""`).
 */
const EMPTY_ONE_CELL_ROW = '""\r\n';

function isBlankRow(cells: readonly CsvCell[]): boolean {
  return cells.length === 1 && cells[0] === null;
}

/**
 * RFC 4180: CRLF line endings, quotes only where needed. csv-stringify quotes a field holding
 * the record delimiter, but not a lone CR or LF; RFC 4180 wants those quoted too. These are the
 * options {@link csvLine} reproduces (its test holds it to csv-stringify under them).
 */
export const CSV_OPTIONS = { record_delimiter: '\r\n', eof: true, quoted_match: /[\r\n]/ } as const;

/** The CSV header line for some columns (field names: never empty, quoted like any cell). */
export function csvHeader(columns: string[]): string {
  return csvLine(columns);
}
