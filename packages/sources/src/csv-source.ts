import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { basename, extname } from 'node:path';
import { SourceError } from '@synthfarm/core/errors';
import { fixCp1252, sniffCsvDialect, type CsvDialect } from './csv-dialect.js';
import { csvRecords, type CsvReadOptions, type CsvRecord } from './csv-records.js';
import { fileSourceError } from './file-errors.js';
import { rowBuilder, type RowBuilder } from './row-builder.js';
import type { Source, SourceColumn, SourceItem, SourcePosition, SourceRange, SourceValue } from './source.js';

/** Options of a CSV source; what is not given is sniffed from the file. */
export interface CsvSourceOptions {
  delimiter?: string;
  encoding?: 'utf8' | 'latin1';
  /** Table name; default the file name without extension. */
  name?: string;
  /** Rows between two entries of the sparse row-offset index. Default 1024 (a range read parses at most that many rows before its first; 1,000 entries per million rows). */
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
  const every = opts.indexEvery ?? 1024;
  let dialect: CsvDialect | undefined;
  let header: string[] | undefined;
  let headerEnd: IndexEntry | undefined;
  let index: IndexEntry[] | undefined;
  let rows: number | undefined;
  let makeRow: RowBuilder | undefined;

  async function init(): Promise<{ dialect: CsvDialect; header: string[]; start: IndexEntry }> {
    if (dialect && header && headerEnd) return { dialect, header, start: headerEnd };
    try {
      dialect = await sniffCsvDialect(path, { ...(opts.delimiter ? { delimiter: opts.delimiter } : {}), ...(opts.encoding ? { encoding: opts.encoding } : {}) });
    } catch (err) {
      throw fileSourceError(label, err);
    }
    for await (const [r] of records(dialect, { row: -1, byte: dialect.bomBytes, line: 1 })) {
      if (!r) continue;
      if ('error' in r) throw new SourceError(`${label} line ${r.line}: the header row cannot be read (${r.error})`);
      header = r.fields.map((h, i) => (h ?? '').trim() || `column_${i + 1}`);
      headerEnd = { row: 0, byte: r.end, line: r.nextLine };
      break;
    }
    if (!header || !headerEnd) throw new SourceError(`${label} is empty: no header row`);
    return { dialect, header, start: headerEnd };
  }

  // One pass however many reads ask for it at once.
  let indexing: Promise<IndexEntry[]> | undefined;
  function buildIndex(): Promise<IndexEntry[]> {
    indexing ??= indexPass();
    indexing.catch(() => (indexing = undefined));
    return indexing;
  }

  async function indexPass(): Promise<IndexEntry[]> {
    if (index) return index;
    const { dialect: d, start } = await init();
    const out: IndexEntry[] = [start];
    let row = 0;
    let due = false;
    for await (const rs of records(d, start, { decode: false }, STREAM_CHUNK_BYTES)) {
      for (const r of rs) {
        row++;
        if (row % every === 0) due = true;
        // Entries sit at record boundaries: after a well-formed record, where parsing can restart.
        if (due && 'end' in r) {
          out.push({ row, byte: r.end, line: r.nextLine });
          due = false;
        }
      }
    }
    rows = row;
    index = out;
    return out;
  }

  async function* read(range?: SourceRange): AsyncIterable<SourceItem> {
    for await (const items of readRuns(range)) yield* items;
  }

  /** The items of a range, those of each chunk of the file together. */
  async function* readRuns(range?: SourceRange): AsyncIterable<SourceItem[]> {
    const { dialect: d, header: h, start } = await init();
    let from = start;
    if (range?.at && range.at.row <= range.start && range.at.byte >= start.byte) from = range.at;
    else if (range && range.start > 0) from = await entryFor(range.start);
    let row = from.row;
    const end = range?.end ?? Infinity;
    const toValues = (makeRow ??= rowBuilder(h, d.encoding === 'latin1' ? fixCp1252 : undefined));
    // A few rows (a unique field's redraw on the main thread): read without a stream.
    const few = range !== undefined && range.end - range.start <= FEW_ROWS;
    for await (const rs of records(d, from, undefined, CHUNK_BYTES, few)) {
      const items: SourceItem[] = [];
      let done = false;
      for (const r of rs) {
        if (row >= end) {
          done = true;
          break;
        }
        const here = row++;
        if (range && here < range.start) continue;
        if ('error' in r) {
          items.push({ ok: false, row: here, line: r.line, reason: r.error });
          continue;
        }
        if (r.fields.length !== h.length) {
          items.push({ ok: false, row: here, line: r.line, reason: `expected ${h.length} fields, found ${r.fields.length}` });
          continue;
        }
        items.push({ ok: true, row: here, line: r.line, values: toValues(r.fields) });
      }
      if (items.length) yield items;
      if (done) return;
    }
  }

  /** The last index entry at or before `row`. */
  async function entryFor(row: number): Promise<IndexEntry> {
    const idx = await buildIndex();
    let from = idx[0]!;
    for (const e of idx) if (e.row <= row) from = e;
    return from;
  }

  function records(d: CsvDialect, from: IndexEntry, o?: CsvReadOptions, streamChunk = CHUNK_BYTES, few = false): AsyncIterable<CsvRecord[]> {
    return parseRecords(path, d, from, label, o, streamChunk, few);
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
    readRuns,
    async position(row: number): Promise<SourcePosition> {
      const e = row > 0 ? await entryFor(row) : (await init()).start;
      return { row: e.row, byte: e.byte, line: e.line };
    },
    async close() {},
  };
}

/** Bytes read from the file at a time, by a code thread's synchronous reads (a batch's range is a few hundred KB). */
const CHUNK_BYTES = 64 * 1024;
/**
 * Bytes the main thread's stream reads at a time to count a file's rows and index them: each read
 * is a round trip to libuv's thread pool, and counting a 133 MB legacy file before a migration's
 * first batch waited on 2,000 of them, the thread idle ~80% of the 0.25 s (--cpu-prof). Counted
 * alone: 279 -> 199 ms cold, 160 -> 95 ms warm. A chunk is scanned in about a millisecond, so the
 * loop still turns. Only the count: it decodes no text. Reads that do (a profile, a collision's row)
 * keep CHUNK_BYTES: a value is a slice of its chunk's text and keeps all of it alive (a profile of
 * 100k rows read in 1 MiB chunks peaked at 210 MB, not 122).
 */
const STREAM_CHUNK_BYTES = 1024 * 1024;

/** csvRecords over the file from `from`. */
function parseRecords(path: string, d: CsvDialect, from: IndexEntry, label: string, o: CsvReadOptions | undefined, streamChunk: number, few: boolean): AsyncIterable<CsvRecord[]> {
  return csvRecords(wrapErrors(fileChunks(path, from.byte, streamChunk, few), label), d, from, o);
}

/**
 * A range this short is read synchronously on the main thread too: it parses at most the index's
 * spacing of rows before it (~130 KB of a typical legacy file, a few reads of the page cache,
 * well under a millisecond). Why: a migration's unique pseudonym collides a few hundred times
 * in a million rows, and each collision's redraw re-reads its legacy row on the committer's
 * thread; through a read stream (open, reads and close on libuv's thread pool, which the run's
 * file writes also queue on) that took ~3.5 ms, the committer waiting: ~1 s of a 7 s run.
 */
const FEW_ROWS = 64;

/**
 * The file's bytes from `start`, CHUNK_BYTES at a time. A code thread (what reads a transform's
 * batches) reads them synchronously: it has nothing else to do meanwhile, and a read stream's
 * per-chunk machinery (a thread-pool round trip, stream state, promises) cost it more than the
 * parsing around it (--cpu-prof: fs `read` 300-350 ms a thread for 200,000 rows, ~100 ms
 * synchronous). The main thread keeps a stream: its event loop must go on serving while a source
 * is read (a synchronous read never yields to it), except for a read of a few rows (FEW_ROWS).
 */
function fileChunks(path: string, start: number, streamChunk: number, few: boolean): AsyncIterable<Buffer> {
  return isMainThread && !few ? createReadStream(path, { start, highWaterMark: streamChunk }) : readChunksSync(path, start);
}

async function* readChunksSync(path: string, start: number): AsyncIterable<Buffer> {
  const fd = openSync(path, 'r');
  // One buffer for every chunk: csvRecords copies a chunk's bytes before it asks for the next.
  const buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  try {
    for (let pos = start; ; ) {
      const n = readSync(fd, buf, 0, CHUNK_BYTES, pos);
      if (n === 0) return;
      pos += n;
      yield n === CHUNK_BYTES ? buf : buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

async function* wrapErrors(stream: AsyncIterable<Buffer>, label: string): AsyncIterable<Buffer> {
  try {
    yield* stream;
  } catch (err) {
    throw fileSourceError(label, err);
  }
}
