import { SharedColumn, type RefColumns } from '@synthfarm/codegen/generator';
import type { RefLookup } from '@synthfarm/report/batch-summary';

/** Sets of referenced columns built per process, by (spec, column, length); a few at most. */
const sets = new Map<string, Set<unknown>>();
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
      set = new Set<unknown>();
      if (data.type === 'number') for (const v of data.values) set.add(v);
      else for (let j = 0; j < column.length; j++) set.add(column.get(j));
      if (sets.size >= MAX_SETS) sets.delete(sets.keys().next().value!);
      sets.set(key, set);
    }
    return set;
  };
}
