import type { ValueColumn } from '@synthfarm/spec';
import { OutputWriteError } from '@synthfarm/core';
import type { ByteFile, FileStore } from './file-store.js';
import { sliceLines, type PartResume, type PartWriter } from './part-writer.js';
import { parquetSchema, parquetValue } from './parquet-schema.js';

/** Written into every file's footer instead of a library version: the bytes do not change with an upgrade's name. */
const CREATED_BY = 'synthfarm';

export interface ParquetPartOptions {
  columns: readonly ValueColumn[];
  /** Records per row group: what is held in memory before it is encoded and written. */
  rowGroupRows: number;
}

/**
 * A Parquet file built from the records' JSON lines: they are parsed, held until `rowGroupRows`
 * of them make a row group (row groups end at fixed record numbers, whatever the batches), and
 * that group is encoded (snappy, statistics on) and written. The footer is written on commit.
 *
 * A Parquet file cannot be appended to once cut short (its footer indexes every row group), so a
 * resumable run also keeps the JSON lines in a scratch part file (`<name>.rows`); a resume cuts
 * that back to its commit point and rebuilds the Parquet file from it, then carries on.
 */
export async function openParquetPart(store: FileStore, name: string, opts: ParquetPartOptions, resume?: PartResume): Promise<PartWriter> {
  // Loaded by the first Parquet file, not at import: a run without Parquet pays nothing for it (~90 ms).
  const { ByteWriter, ParquetWriter } = await import('hyparquet-writer');
  const file = await store.open(name);
  const rowsFile = store.resumable ? await store.open(`${name}.rows`, resume ? resume.position[''] ?? 0 : undefined) : undefined;
  const bytes = new ByteWriter();
  const writer = new ParquetWriter({ writer: bytes, schema: parquetSchema(opts.columns), codec: 'SNAPPY', statistics: true, createdBy: CREATED_BY });
  let pending: Array<Record<string, unknown>> = [];
  let row = 0;

  const drain = async () => {
    if (bytes.index === 0) return;
    const out = Buffer.from(bytes.getBytes());
    bytes.index = 0;
    await file.append(out);
  };
  const writeGroup = async () => {
    const rows = pending;
    pending = [];
    const columnData = opts.columns.map((c) => ({ name: c.name, data: rows.map((r) => r[c.name]) }));
    await writer.write({ columnData, rowGroupSize: rows.length });
    await drain();
  };
  const add = async (line: string) => {
    const rec = JSON.parse(line) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const c of opts.columns) {
      try {
        out[c.name] = parquetValue(c.type, rec[c.name]);
      } catch (err) {
        throw new OutputWriteError(`[output:parquet] ${name}: record ${row}, column ${c.name}: ${(err as Error).message}`, { cause: err });
      }
    }
    row++;
    pending.push(out);
    if (pending.length === opts.rowGroupRows) await writeGroup();
  };
  await drain();
  if (resume && rowsFile) for await (const line of jsonLines(rowsFile)) await add(line);

  return {
    async append(lines, from, to) {
      if (to <= from) return;
      if (rowsFile) await rowsFile.append(sliceLines(lines, from, to));
      for (let k = from; k < to; k++) await add(lines.text.slice(k ? lines.ends[k - 1]! : 0, lines.ends[k]!));
    },
    position: () => ({ '': rowsFile?.bytes ?? 0 }),
    async commit() {
      if (pending.length) await writeGroup();
      await writer.finish();
      await drain();
      const info = await file.commit();
      // Kept (closed, not removed) until the run is over: a resume from a commit point before this
      // one rebuilds the file from it.
      await rowsFile?.discard();
      return info;
    },
    async discard() {
      await rowsFile?.discard();
      await file.discard();
    },
  };
}

/** The lines of a JSONL file, read in chunks (no line holds a raw newline: JSON escapes it). */
async function* jsonLines(file: ByteFile): AsyncGenerator<string> {
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of file.read()) {
    rest += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n', start)) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest) yield rest;
}
