import type { DatasetSpec } from '@synthfarm/spec';
import type { BatchOutput } from './batch-output.js';

/**
 * Duplicate source keys of one transform dataset, decided in commit order (DESIGN §9): a row
 * whose key was committed before is a reject (`onDuplicate: reject`, the default) or skipped
 * silently as a reject with reason `duplicate_skipped` (`first`: the first row wins); a row with no
 * key is a reject. Memory: one entry per distinct key of the dataset.
 */
export function createDuplicateFilter(ds: DatasetSpec): (out: BatchOutput, start: number) => void {
  const seen = new Set<unknown>();
  const src = ds.source!;
  return (out, start) => {
    const keys = out.sourceKeys;
    if (!keys) return;
    const dropped = new Set(out.dropped);
    for (let k = 0; k < out.count; k++) {
      if (dropped.has(k)) continue;
      const key = keys[k];
      if (key === null || key === undefined || key === '') {
        out.dropped.push(k);
        out.rejects.push({ dataset: ds.name, index: start + k, reason: 'missing_key', error: `source key column ${src.key} is empty`, source: src.from });
      } else if (seen.has(key)) {
        out.dropped.push(k);
        out.rejects.push({ dataset: ds.name, index: start + k, reason: src.onDuplicate === 'first' ? 'duplicate_skipped' : 'duplicate_key', error: `source key ${src.key} was seen in an earlier row (onDuplicate: ${src.onDuplicate})`, source: src.from, sourceKey: key });
      } else seen.add(key);
    }
  };
}
