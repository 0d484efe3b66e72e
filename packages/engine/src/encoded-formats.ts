import type { EncoderOptions, Format } from '@synthfarm/output';
import { datasetColumns, hiddenPaths, type Spec } from '@synthfarm/spec';
import { targetTable } from './postgres-table.js';

/** How dataset `d`'s batches are encoded, wherever its records are made. */
export interface DatasetEncoding {
  /** The formats each batch is encoded in. */
  formats: Format[];
  /** The encoder (and line patcher) options of each format. */
  options: Record<Format, EncoderOptions>;
  /** The lines the PostgreSQL sink COPYs: `pgcopy`, or `csv` when those are the same bytes; none without a sink. */
  copy?: Format;
}

/**
 * Formats a batch is encoded in: the spec's line formats (CSV, JSONL); JSON lines when Parquet is
 * asked for (its writer reads the records back from them); and, when rows also go to PostgreSQL,
 * `pgcopy` rows of the table (unescaped values, the table's columns) — unless the CSV lines are
 * already exactly those bytes (formula escaping off, the same columns, two or more of them), when
 * the sink COPYs the CSV lines and the code threads encode each record once. (The sink used to
 * parse each record's JSON line on the aggregator's thread and re-encode it: ~10 µs a row there.)
 */
export function datasetEncoding(spec: Spec, d: number): DatasetEncoding {
  const ds = spec.datasets[d]!;
  const columns = datasetColumns(ds);
  const hidden = hiddenPaths(ds);
  const escapeFormulas = spec.output.escapeFormulas;
  const formats: Format[] = spec.output.formats.filter((f) => f !== 'parquet');
  if (spec.output.formats.includes('parquet') && !formats.includes('jsonl')) formats.push('jsonl');
  const copyColumns = spec.output.postgres ? targetTable(ds).columns.map((c) => c.name) : [];
  let copy: Format | undefined;
  if (spec.output.postgres) {
    const sameAsCsv = formats.includes('csv') && !escapeFormulas && copyColumns.length >= 2 && copyColumns.length === columns.length && copyColumns.every((c, i) => c === columns[i]);
    copy = sameAsCsv ? 'csv' : 'pgcopy';
    if (!sameAsCsv) formats.push('pgcopy');
  }
  const lineOptions: EncoderOptions = { columns, escapeFormulas, hidden };
  return { formats, options: { csv: lineOptions, jsonl: lineOptions, pgcopy: { columns: copyColumns, escapeFormulas: false } }, ...(copy ? { copy } : {}) };
}
