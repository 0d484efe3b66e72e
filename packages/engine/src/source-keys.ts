import { KeySet } from '@synthfarm/codegen';
import { openDatasetSource } from '@synthfarm/sources';
import type { DatasetSpec, Spec } from '@synthfarm/spec';
import type { BatchOutput } from './batch-output.js';
import { normalizeKey } from './source-rows.js';

/**
 * `onDuplicate: last`: the last row of each key, read in one pass over the source's keys before the
 * dataset's first batch is committed. Memory: one entry per distinct key.
 */
export async function lastRowOfKeys(spec: Spec, ds: DatasetSpec): Promise<Map<unknown, number>> {
  const source = openDatasetSource(spec, ds);
  const last = new Map<unknown, number>();
  try {
    for await (const item of source.read({ start: 0, end: ds.count })) if (item.ok) last.set(normalizeKey(item.values[ds.source!.key]), item.row);
  } finally {
    await source.close().catch(() => undefined);
  }
  return last;
}

/**
 * Duplicate source keys of one transform dataset, decided in commit order (DESIGN §9): a row
 * whose key was committed before is a reject (`onDuplicate: reject`, the default) or skipped
 * as a reject with reason `duplicate_skipped` (`first`: the first row wins); with `last` (given
 * {@link lastRowOfKeys}) every row but the key's last is `duplicate_superseded`. A row with no key is
 * a reject. Returns the keys the batch admitted, for the run state to keep with the commit; a
 * resumed committer passes them back as `committed`. Memory: one entry per distinct key of the dataset.
 */
export function createDuplicateFilter(ds: DatasetSpec, last?: Map<unknown, number>, committed: Iterable<unknown> = []): (out: BatchOutput, start: number) => unknown[] {
  const seen = new SourceKeySet(Math.min(ds.count, 1 << 16), Math.min(2 ** 31 - 1, Math.max(1 << 20, 8 * ds.count)));
  for (const key of committed) seen.add(key);
  const src = ds.source!;
  return (out, start) => {
    const keys = out.sourceKeys;
    const admitted: unknown[] = [];
    if (!keys) return admitted;
    const dropped = new Set(out.dropped);
    for (let k = 0; k < out.count; k++) {
      if (dropped.has(k)) continue;
      const key = keys[k];
      if (key === null || key === undefined || key === '') {
        out.dropped.push(k);
        out.rejects.push({ dataset: ds.name, index: start + k, reason: 'missing_key', error: `source key column ${src.key} is empty`, source: src.from });
      } else if (last) {
        const at = last.get(key);
        if (at !== undefined && at !== start + k) {
          out.dropped.push(k);
          out.rejects.push({ dataset: ds.name, index: start + k, reason: 'duplicate_superseded', error: `source key ${src.key} appears again in a later row (onDuplicate: last)`, source: src.from, sourceKey: key });
        }
      } else {
        if (seen.add(key)) admitted.push(key);
        else {
          out.dropped.push(k);
          out.rejects.push({ dataset: ds.name, index: start + k, reason: src.onDuplicate === 'first' ? 'duplicate_skipped' : 'duplicate_key', error: `source key ${src.key} was seen in an earlier row (onDuplicate: ${src.onDuplicate})`, source: src.from, sourceKey: key });
        }
      }
    }
    return admitted;
  };
}

/**
 * The source keys a dataset has committed: those written as a plain non-negative integer (`7`,
 * not `07`, `7.0` or `-7`; legacy keys mostly are) as numbers, in a bitmap up to a limit and in a
 * {@link KeySet} past it, any other in a Set. Why: a Set of a million key strings cost the main
 * thread ~0.8 µs a key (hashing strings that just arrived from a code thread, growing the table),
 * numbers a fraction of that, and of the memory. A text is never a number, so the two never hold
 * the same key.
 */
class SourceKeySet {
  private readonly texts = new Set<unknown>();
  private numbers: KeySet | undefined;
  /**
   * Bit n is set once key n was seen, for n below `denseLimit` (one bit a possible key: at most a
   * byte a record). Legacy keys are mostly a dense run of integers, and a million of them in a
   * KeySet were a million probes at random into 32 MB, each a cache miss: ~0.45 µs a key on the
   * main thread of bench:migrate (--cpu-prof), which every batch's commit waits for. The bitmap
   * of the same keys is 125 KB, read in order.
   */
  private bits = new Uint32Array(0);

  constructor(
    private readonly capacity: number,
    private readonly denseLimit: number,
  ) {}

  /** Adds `key`; false when it was there already. */
  add(key: unknown): boolean {
    const n = typeof key === 'string' ? plainInteger(key) : -1;
    if (n >= 0 && n < this.denseLimit) return this.addDense(n);
    if (n >= 0) return (this.numbers ??= new KeySet(this.capacity)).addNew(n);
    const before = this.texts.size;
    return this.texts.add(key).size !== before;
  }

  private addDense(n: number): boolean {
    const w = n >>> 5;
    if (w >= this.bits.length) {
      let length = Math.max(1024, this.bits.length * 2);
      while (length <= w) length *= 2;
      const bits = new Uint32Array(length);
      bits.set(this.bits);
      this.bits = bits;
    }
    const bit = 1 << (n & 31);
    const word = this.bits[w]!;
    if (word & bit) return false;
    this.bits[w] = word | bit;
    return true;
  }
}

/** The value of `s` when it is a non-negative integer in plain decimal below 2^53 (no sign, no leading zero), else -1. */
function plainInteger(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15 || (n > 1 && s.charCodeAt(0) === 48)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
