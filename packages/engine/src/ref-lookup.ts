import { SharedColumn, type RefColumns } from '@synthfarm/codegen/generator';
import type { RefLookup } from '@synthfarm/report/batch-summary';

/** Sets of referenced columns built per process, by (spec, column, length); a few at most. */
const sets = new Map<string, { has(v: unknown): boolean }>();
const MAX_SETS = 4;

/**
 * The report's foreign-key check: whether a value exists in the written column a `ref` points
 * at (the batch's ref columns). The column's set is built once per process and kept while the
 * column is unchanged (a referenced dataset is finished before the datasets that point at it).
 */
export function refLookup(refColumns: RefColumns, specKey: string): RefLookup {
  return (ref) => {
    const data = refColumns[ref];
    if (!data) return undefined;
    const column = new SharedColumn(data);
    const key = `${specKey}|${ref}|${column.length}`;
    let set = sets.get(key);
    if (!set) {
      set = data.type === 'number' ? integerBitmap(data.values) : undefined;
      if (!set) {
        const all = new Set<unknown>();
        if (data.type === 'number') for (const v of data.values) all.add(v);
        else for (let j = 0; j < column.length; j++) all.add(column.get(j));
        set = all;
      }
      if (sets.size >= MAX_SETS) sets.delete(sets.keys().next().value!);
      sets.set(key, set);
    }
    return set;
  };
}

/**
 * Integer keys spread over a range at most this many times their count (ids, sequences) are
 * looked up in a bitmap of the range: a bit test per value, and 1/8 byte per key of the range,
 * where a Set of 10,000 keys costs ~0.5 MB and a hash per lookup.
 */
const MAX_BITMAP_SPREAD = 64;

/** A bitmap of `values` when they are all integers in a dense enough range; else undefined. */
export function integerBitmap(values: Float64Array): { has(v: unknown): boolean } | undefined {
  if (values.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isSafeInteger(v)) return undefined;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max - min >= MAX_BITMAP_SPREAD * values.length + 4096) return undefined;
  const bits = new Uint32Array(Math.floor((max - min) / 32) + 1);
  for (let i = 0; i < values.length; i++) {
    const o = values[i]! - min;
    bits[o >>> 5]! |= 1 << (o & 31);
  }
  return {
    // As Set.has: only a number equal to a key (so 5 and 5.0, not '5'); -0 is 0.
    has: (v) => typeof v === 'number' && v >= min && v <= max && Number.isInteger(v) && (bits[(v - min) >>> 5]! & (1 << ((v - min) & 31))) !== 0,
  };
}
