import type { Format } from '@synthfarm/output';
import type { Spec } from '@synthfarm/spec';

/**
 * Formats a batch is encoded in: the spec's line formats (CSV, JSONL), plus JSON lines when rows
 * also go to PostgreSQL (the sink reads them: unescaped values, no spreadsheet formula escaping)
 * or to Parquet (its writer reads the records back from them).
 */
export function encodedFormats(spec: Spec): Format[] {
  const lines = spec.output.formats.filter((f): f is Format => f !== 'parquet');
  const needJson = !!spec.output.postgres || spec.output.formats.includes('parquet');
  return needJson && !lines.includes('jsonl') ? [...lines, 'jsonl'] : lines;
}
