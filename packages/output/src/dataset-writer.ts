import type { OutputFormat, ValueColumn } from '@synthfarm/spec';
import type { FileStore, Lines } from './file-store.js';
import { openGzipPart } from './gzip-part.js';
import { GZIP_MEMBER_ROWS } from './gzip-member.js';
import { openParquetPart } from './parquet-part.js';
import type { PartResume, PartWriter } from './part-writer.js';
import type { SinkFile } from './sink.js';
import { openTextPart } from './text-part.js';

/** How one dataset is written in one format (DESIGN §5; the spec's `output`). */
export interface DatasetWriterOptions {
  store: FileStore;
  dataset: string;
  format: OutputFormat;
  /** CSV: the header row each file (each part) starts with. */
  header?: string;
  /** Records per part (`output.split.rows`); default one file. */
  splitRows?: number | undefined;
  /** CSV and JSONL gzip-compressed (`output.gzip`). */
  gzip?: boolean;
  /** Records per gzip member; default {@link GZIP_MEMBER_ROWS}. */
  gzipMemberRows?: number;
  /** Parquet: the dataset's columns and records per row group. */
  parquet?: { columns: readonly ValueColumn[]; rowGroupRows: number };
}

/**
 * A dataset's output in one format: one file, or numbered parts of `splitRows` records. Records
 * come as encoded lines (CSV lines for CSV, JSON lines for JSONL and Parquet), in record order.
 */
export interface DatasetWriter {
  append(lines: Lines): Promise<void>;
  /**
   * Where a resume carries on, as commit-point offsets: `<format>` is the byte offset of the
   * current file (for Parquet, of its kept JSON lines), `<format>.<key>` any other the format keeps.
   */
  position(): Record<string, number>;
  /** Completes the last file; every file of the dataset, in order, as the manifest lists them. */
  commit(): Promise<SinkFile[]>;
  discard(): Promise<void>;
}

/**
 * A file's name: `<dataset>.<format>`, or with parts `<dataset>.part-00001.<format>` (numbered
 * from 1, at least five digits), then `.gz` when gzip-compressed.
 */
export function datasetFileName(opts: Pick<DatasetWriterOptions, 'dataset' | 'format' | 'splitRows' | 'gzip'>, part: number): string {
  const gz = opts.gzip && opts.format !== 'parquet' ? '.gz' : '';
  return `${opts.dataset}${opts.splitRows ? `.part-${String(part).padStart(5, '0')}` : ''}.${opts.format}${gz}`;
}

/**
 * Opens a dataset's writer: fresh, or resumed at a commit point (`rows` records committed, the
 * offsets {@link DatasetWriter.position} gave then). Parts finished before are left as they are;
 * the part being filled is reopened where the commit point left it.
 */
export async function openDatasetWriter(opts: DatasetWriterOptions, resume?: { rows: number; offsets: Record<string, number> }): Promise<DatasetWriter> {
  const split = opts.splitRows;
  const rows = resume?.rows ?? 0;
  const before = split ? Math.floor(rows / split) : 0;
  let part = before + 1;
  let partRows = rows - before * (split ?? 0);
  const done: SinkFile[] = [];
  const openPart = (resumeAt?: PartResume) => openPartWriter(opts, datasetFileName(opts, part), resumeAt);
  let current: PartWriter | undefined;
  // A split dataset whose last commit point ended a part opens the next one on its first record.
  if (!(split && rows > 0 && partRows === 0)) current = await openPart(resume ? { rows: partRows, position: positionOf(opts.format, resume.offsets) } : undefined);
  const close = async () => {
    const info = await current!.commit();
    done.push({ ...info, format: opts.format, rows: partRows });
    current = undefined;
    part++;
    partRows = 0;
  };
  return {
    async append(lines) {
      const n = lines.ends.length;
      for (let k = 0; k < n; ) {
        current ??= await openPart();
        const take = split ? Math.min(n - k, split - partRows) : n - k;
        await current.append(lines, k, k + take);
        partRows += take;
        k += take;
        if (split && partRows === split) await close();
      }
    },
    position() {
      const p = current?.position() ?? { '': 0 };
      return Object.fromEntries(Object.entries(p).map(([k, v]) => [k ? `${opts.format}.${k}` : opts.format, v]));
    },
    async commit() {
      if (current) await close();
      const earlier = await finishedParts(opts, before);
      return [...earlier, ...done];
    },
    discard: async () => current?.discard(),
  };
}

/**
 * The files of a dataset finished before a resume (`rows` records): what the manifest lists,
 * read back from the staging directory.
 */
export async function datasetFiles(opts: DatasetWriterOptions, rows: number): Promise<SinkFile[]> {
  const split = opts.splitRows;
  if (!split) return [{ ...(await opts.store.info(datasetFileName(opts, 1))), format: opts.format, rows }];
  const parts = Math.max(1, Math.ceil(rows / split));
  const files = await finishedParts(opts, parts - 1);
  files.push({ ...(await opts.store.info(datasetFileName(opts, parts))), format: opts.format, rows: rows - (parts - 1) * split });
  return files;
}

/** Parts 1..n, each full (`splitRows` records), already renamed into the staging directory. */
async function finishedParts(opts: DatasetWriterOptions, n: number): Promise<SinkFile[]> {
  const out: SinkFile[] = [];
  for (let p = 1; p <= n; p++) out.push({ ...(await opts.store.info(datasetFileName(opts, p))), format: opts.format, rows: opts.splitRows! });
  return out;
}

function positionOf(format: string, offsets: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(offsets)) {
    if (k === format) out[''] = v;
    else if (k.startsWith(`${format}.`)) out[k.slice(format.length + 1)] = v;
  }
  return out;
}

function openPartWriter(opts: DatasetWriterOptions, name: string, resume?: PartResume): Promise<PartWriter> {
  if (opts.format === 'parquet') {
    if (!opts.parquet) throw new Error('[output] a parquet writer needs its columns');
    return openParquetPart(opts.store, name, opts.parquet, resume);
  }
  const header = opts.format === 'csv' ? (opts.header ?? '') : '';
  return opts.gzip ? openGzipPart(opts.store, name, header, opts.gzipMemberRows ?? GZIP_MEMBER_ROWS, resume) : openTextPart(opts.store, name, header, resume);
}
