import { datasetFiles, openDatasetWriter, type DatasetWriter, type DatasetWriterOptions, type SinkFile } from '@synthfarm/output';
import { datasetColumns, datasetValueColumns, type Spec } from '@synthfarm/spec';
import { csvHeader } from '@synthfarm/output';
import type { BatchOutput } from './batch-output.js';
import type { RunFiles } from './output-file.js';
import { assemblePacked } from './packed-lines.js';
import type { DatasetCommit } from './run-state.js';

/**
 * One dataset's files in every format the spec's `output` asks for (split into parts,
 * gzip-compressed, Parquet), appended batch by batch in record order. The committer records
 * {@link offsets} at each commit point and hands them back to resume.
 */
export interface DatasetOutputs {
  /** Appends a batch's written records (its lines without `dropped`, with the committer's replacements). */
  append(batch: BatchOutput, dropped: ReadonlySet<number>): Promise<void>;
  /** Offsets of every format's files, for the commit point. */
  offsets(): Record<string, number>;
  /** Completes the files; all of them, as the manifest lists them. */
  commit(): Promise<SinkFile[]>;
  discard(): Promise<void>;
}

/** The writer options of dataset `d` in each of the spec's formats. */
function writerOptions(files: RunFiles, spec: Spec, d: number): DatasetWriterOptions[] {
  const ds = spec.datasets[d]!;
  const o = spec.output;
  return o.formats.map((format) => ({
    store: files,
    dataset: ds.name,
    format,
    splitRows: o.split?.rows,
    gzip: o.gzip,
    ...(format === 'csv' ? { header: csvHeader(datasetColumns(ds)) } : {}),
    ...(format === 'parquet' ? { parquet: { columns: datasetValueColumns(spec, d), rowGroupRows: o.parquet.rowGroupRows } } : {}),
  }));
}

/**
 * Opens dataset `d`'s files: fresh, or (`resume`) at the commit point `resume` records. Parquet
 * is built from the records' JSON lines (the workers encode them whenever Parquet is asked for).
 */
export async function openDatasetOutputs(files: RunFiles, spec: Spec, d: number, resume?: DatasetCommit): Promise<DatasetOutputs> {
  const writers: Array<[DatasetWriterOptions['format'], DatasetWriter]> = [];
  for (const opts of writerOptions(files, spec, d)) writers.push([opts.format, await openDatasetWriter(opts, resume ? { rows: resume.written, offsets: resume.offsets } : undefined)]);
  return {
    async append(batch, dropped) {
      for (const [format, w] of writers) {
        const source = format === 'parquet' ? 'jsonl' : format;
        const p = batch.lines[source];
        if (p) await w.append(assemblePacked(p, dropped, batch.replaced?.[source]));
      }
    },
    offsets: () => Object.assign({}, ...writers.map(([, w]) => w.position())) as Record<string, number>,
    async commit() {
      const out: SinkFile[] = [];
      for (const [, w] of writers) out.push(...(await w.commit()));
      return out;
    },
    async discard() {
      for (const [, w] of writers) await w.discard().catch(() => undefined);
    },
  };
}

/** The files of dataset `d`, finished before a resume with `written` records (read back from the staging directory). */
export async function finishedDatasetFiles(files: RunFiles, spec: Spec, d: number, written: number): Promise<SinkFile[]> {
  const out: SinkFile[] = [];
  for (const opts of writerOptions(files, spec, d)) out.push(...(await datasetFiles(opts, written)));
  return out;
}
