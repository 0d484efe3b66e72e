import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse, type CsvError } from 'csv-parse';
import { SourceError } from '@synthfarm/core';
import { fixCp1252, sniffCsvDialect, type CsvDialect } from './csv-dialect.js';
import { fileSourceError } from './file-errors.js';
import type { Source, SourceColumn, SourceItem, SourceRange, SourceValue } from './source.js';

/** Options of a CSV source; what is not given is sniffed from the file. */
export interface CsvSourceOptions {
  delimiter?: string;
  encoding?: 'utf8' | 'latin1';
  /** Table name; default the file name without extension. */
  name?: string;
  /** Rows between two entries of the sparse row-offset index. Default 4096. */
  indexEvery?: number;
}

/** Where a row starts: byte offset in the file and line number (1-based). */
interface IndexEntry {
  row: number;
  byte: number;
  line: number;
}

/**
 * A CSV file (RFC 4180 and the legacy dialects: `;`/tab/`|` separators, Latin-1 / Windows-1252,
 * a UTF-8 BOM, quotes inside unquoted fields). A row with the wrong number of fields is a
 * malformed item naming its line, not the end of the read. Ranges seek through a sparse index of
 * row byte offsets built in one pass, so reading rows 900,000–901,000 parses about 1,000 rows.
 */
export function createCsvSource(path: string, opts: CsvSourceOptions = {}): Source {
  const label = `[source:csv ${path}]`;
  const every = opts.indexEvery ?? 4096;
  let dialect: CsvDialect | undefined;
  let header: string[] | undefined;
  let headerEnd: IndexEntry | undefined;
  let index: IndexEntry[] | undefined;
  let rows: number | undefined;

  async function init(): Promise<{ dialect: CsvDialect; header: string[]; start: IndexEntry }> {
    if (dialect && header && headerEnd) return { dialect, header, start: headerEnd };
    try {
      dialect = await sniffCsvDialect(path, { ...(opts.delimiter ? { delimiter: opts.delimiter } : {}), ...(opts.encoding ? { encoding: opts.encoding } : {}) });
    } catch (err) {
      throw fileSourceError(label, err);
    }
    for await (const r of records(dialect, { row: -1, byte: dialect.bomBytes, line: 1 })) {
      if ('error' in r) throw new SourceError(`${label} line ${r.line}: the header row cannot be read (${r.error})`);
      header = r.fields.map((h, i) => (h ?? '').trim() || `column_${i + 1}`);
      headerEnd = { row: 0, byte: r.end, line: r.nextLine };
      break;
    }
    if (!header || !headerEnd) throw new SourceError(`${label} is empty: no header row`);
    return { dialect, header, start: headerEnd };
  }

  async function buildIndex(): Promise<IndexEntry[]> {
    if (index) return index;
    const { dialect: d, start } = await init();
    const out: IndexEntry[] = [start];
    let row = 0;
    let due = false;
    for await (const r of records(d, start)) {
      row++;
      if (row % every === 0) due = true;
      // Entries sit at record boundaries: after a well-formed record, where parsing can restart.
      if (due && 'end' in r) {
        out.push({ row, byte: r.end, line: r.nextLine });
        due = false;
      }
    }
    rows = row;
    index = out;
    return out;
  }

  async function* read(range?: SourceRange): AsyncIterable<SourceItem> {
    const { dialect: d, header: h, start } = await init();
    let from = start;
    if (range && range.start > 0) {
      const idx = await buildIndex();
      for (const e of idx) if (e.row <= range.start) from = e;
    }
    let row = from.row;
    const end = range?.end ?? Infinity;
    for await (const r of records(d, from)) {
      if (row >= end) break;
      const here = row++;
      if (range && here < range.start) continue;
      if ('error' in r) {
        yield { ok: false, row: here, line: r.line, reason: r.error };
        continue;
      }
      if (r.fields.length !== h.length) {
        yield { ok: false, row: here, line: r.line, reason: `expected ${h.length} fields, found ${r.fields.length}` };
        continue;
      }
      const values: Record<string, SourceValue> = {};
      for (let i = 0; i < h.length; i++) {
        const v = r.fields[i] ?? null;
        values[h[i]!] = v !== null && d.encoding === 'latin1' ? fixCp1252(v) : v;
      }
      yield { ok: true, row: here, line: r.line, values };
    }
  }

  function records(d: CsvDialect, from: IndexEntry): AsyncIterable<ParsedRecord> {
    return parseRecords(createReadStream(path, { start: from.byte }), d, from, label);
  }

  return {
    name: opts.name ?? basename(path, extname(path)),
    label,
    async columns(): Promise<SourceColumn[]> {
      return (await init()).header.map((name) => ({ name }));
    },
    async count(): Promise<number> {
      await buildIndex();
      return rows!;
    },
    read,
    async close() {},
  };
}

/** A field as read: its text, or `null` for an empty unquoted field (`""` is the empty string). */
type CsvField = string | null;

type ParsedRecord =
  | { fields: CsvField[]; line: number; end: number; nextLine: number }
  | { error: string; line: number };

/**
 * An empty unquoted field is NULL, a quoted empty field (`""`) the empty string: how synthfarm's
 * CSV output writes them apart, and how PostgreSQL's `COPY … CSV` reads them. Any other field is
 * its text, as written.
 */
export function castCsvField(value: string, context: { quoting: boolean }): CsvField {
  return value === '' && !context.quoting ? null : value;
}

/** csv-parse over a byte stream from `from`: records with their first line and end byte. */
async function* parseRecords(stream: NodeJS.ReadableStream, d: CsvDialect, from: IndexEntry, label: string): AsyncIterable<ParsedRecord> {
  const skipped: Array<{ error: string; line: number }> = [];
  // Lines (from `from`) ended by the last good record the parser has seen: a bad record starts after them.
  let parsedLines = 0;
  const parser = parse({
    delimiter: d.delimiter,
    encoding: d.encoding,
    info: true,
    cast: castCsvField,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      if (err) skipped.push({ error: err.message.replace(/ at line \d+.*$/, ''), line: from.line + parsedLines });
    },
    // Records hold CsvField values (cast: castCsvField); csv-parse's untyped options say string[].
    on_record: (record: string[], context: { lines: number }) => {
      parsedLines = context.lines;
      return record;
    },
  });
  (stream as NodeJS.ReadableStream & { on(e: 'error', f: (e: Error) => void): void }).on('error', (err) => parser.destroy(fileSourceError(label, err)));
  stream.pipe(parser);
  let prevLines = 0;
  try {
    for await (const rec of parser as AsyncIterable<{ record: CsvField[]; info: { bytes: number; lines: number } }>) {
      // Lines counted by the parser run from 1 at `from`; a record starts after the previous one.
      const line = from.line + prevLines;
      while (skipped.length && skipped[0]!.line < line) yield skipped.shift()!;
      prevLines = rec.info.lines;
      yield { fields: rec.record, line, end: from.byte + rec.info.bytes, nextLine: from.line + rec.info.lines };
    }
  } catch (err) {
    if (err instanceof SourceError) throw err;
    // An unclosed quote runs to the end of the file: the rest of the file is that one bad record.
    const e = err as CsvError & { lines?: number };
    skipped.push({ error: e.message.replace(/ at line \d+.*$/, ''), line: from.line + parsedLines });
  }
  yield* skipped;
}
