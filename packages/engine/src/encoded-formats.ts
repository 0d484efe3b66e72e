import type { Format } from '@synthfarm/output';
import type { Spec } from '@synthfarm/spec';

/**
 * Formats a batch is encoded in: the spec's files, plus JSON lines when rows also go to
 * PostgreSQL (the sink reads them: unescaped values, no spreadsheet formula escaping).
 */
export function encodedFormats(spec: Spec): Format[] {
  return spec.output.postgres && !spec.output.formats.includes('jsonl') ? [...spec.output.formats, 'jsonl'] : spec.output.formats;
}
