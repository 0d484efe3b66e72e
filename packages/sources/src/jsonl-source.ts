import { open } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { SourceError } from '@synthfarm/core/errors';
import { byteLines } from './byte-lines.js';
import { fileSourceError } from './file-errors.js';
import type { Source, SourceColumn, SourceItem, SourceRange, SourceValue } from './source.js';

/** Options of a JSONL source. */
export interface JsonlSourceOptions {
  /** Table name; default the file name without extension. */
  name?: string;
  /** Rows between two entries of the sparse row-offset index. Default 1024 (a range read parses at most that many rows before its first; 1,000 entries per million rows). */
  indexEvery?: number;
  /** Lines read to learn the columns (keys in first-seen order). Default 1000. */
  columnSample?: number;
}

/**
 * A JSON Lines file: one object per line (blank lines skipped). A line that is not a JSON object
 * is a malformed item naming its line. Ranges seek through a sparse row-offset index.
 */
export function createJsonlSource(path: string, opts: JsonlSourceOptions = {}): Source {
  const label = `[source:jsonl ${path}]`;
  const every = opts.indexEvery ?? 1024;
  let index: Array<{ row: number; byte: number; line: number }> | undefined;
  let rows: number | undefined;
  let cols: SourceColumn[] | undefined;

  async function check(): Promise<void> {
    try {
      const fh = await open(path, 'r');
      await fh.close();
    } catch (err) {
      throw fileSourceError(label, err);
    }
  }

  async function* items(from: { row: number; byte: number; line: number }): AsyncIterable<SourceItem & { end: number }> {
    let row = from.row;
    for await (const l of byteLines(path, from.byte, from.line)) {
      if (l.text.trim() === '') continue;
      const here = row++;
      let v: unknown;
      try {
        v = JSON.parse(l.text);
      } catch (err) {
        yield { ok: false, row: here, line: l.line, reason: `not JSON: ${(err as Error).message}`, end: l.end };
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        yield { ok: false, row: here, line: l.line, reason: 'not a JSON object', end: l.end };
        continue;
      }
      yield { ok: true, row: here, line: l.line, values: v as Record<string, SourceValue>, end: l.end };
    }
  }

  return {
    name: opts.name ?? basename(path, extname(path)),
    label,
    async columns() {
      if (cols) return cols;
      await check();
      const seen = new Set<string>();
      let n = 0;
      for await (const it of items({ row: 0, byte: 0, line: 1 })) {
        if (it.ok) for (const k of Object.keys(it.values)) seen.add(k);
        if (++n >= (opts.columnSample ?? 1000)) break;
      }
      if (seen.size === 0) throw new SourceError(`${label} has no JSON object lines`);
      return (cols = [...seen].map((name) => ({ name })));
    },
    async count() {
      if (rows !== undefined) return rows;
      await check();
      const idx = [{ row: 0, byte: 0, line: 1 }];
      let n = 0;
      for await (const it of items(idx[0]!)) {
        n++;
        if (n % every === 0) idx.push({ row: n, byte: it.end, line: (it.line ?? 0) + 1 });
      }
      index = idx;
      return (rows = n);
    },
    async *read(range?: SourceRange) {
      await check();
      let from = { row: 0, byte: 0, line: 1 };
      if (range && range.start > 0) {
        if (!index) await this.count();
        for (const e of index!) if (e.row <= range.start) from = e;
      }
      const end = range?.end ?? Infinity;
      for await (const it of items(from)) {
        if (it.row >= end) break;
        if (range && it.row < range.start) continue;
        const { end: _end, ...item } = it;
        yield item as SourceItem;
      }
    },
    async close() {},
  };
}
