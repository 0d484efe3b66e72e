import { hash53 } from '@synthfarm/core';
import type { ColumnStats, ForeignKey, TableStats } from './table-stats.js';

/** Values of a child column that must be found in the parent key for an inferred foreign key. */
export const FK_CONTAINMENT = 0.98;

/** `customer_id` ~ table `customers` (or key `customer_id`): the name evidence an integer key needs. */
export function namesMatch(child: string, parentTable: string, parentKey: string): boolean {
  const c = child.toLowerCase().replace(/[^a-z0-9]/g, '');
  const k = parentKey.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (c === k && k !== 'id') return true;
  const stem = c.replace(/(id|key|no|nr|code)$/, '');
  if (stem.length < 2) return false;
  const t = parentTable.toLowerCase().replace(/[^a-z0-9]/g, '');
  const singular = t.replace(/(ies)$/, 'y').replace(/(ses|xes)$/, (m) => m.slice(0, -2)).replace(/s$/, '');
  return stem === t || stem === singular || t.startsWith(stem) || stem.endsWith(singular);
}

/** Pairs (child column, parent key) worth testing: compatible types, plausible names or id-like text. */
export function candidatePairs(tables: TableStats[]): Array<{ child: TableStats; col: ColumnStats; parent: TableStats; key: ColumnStats }> {
  const out: Array<{ child: TableStats; col: ColumnStats; parent: TableStats; key: ColumnStats }> = [];
  for (const parent of tables) {
    if (parent.primaryKey.length !== 1) continue;
    const key = parent.columns.find((c) => c.name === parent.primaryKey[0]);
    if (!key || (key.type !== 'integer' && key.type !== 'string')) continue;
    for (const child of tables) {
      for (const col of child.columns) {
        if (child === parent && col.name === key.name) continue;
        if (child.primaryKey.length === 1 && child.primaryKey[0] === col.name && child !== parent && !namesMatch(col.name, parent.name, key.name)) continue;
        if (child.foreignKeys.some((f) => f.column === col.name)) continue;
        if (col.type !== key.type || col.rows - col.nulls === 0) continue;
        if (col.distinct > key.distinct * 1.02) continue;
        const named = namesMatch(col.name, parent.name, key.name);
        // An integer column is a key only by name (a quantity 1..10 is "contained" in any id 1..N);
        // a text column needs key-like values: one token, several distinct.
        if (key.type === 'integer' && !named) continue;
        if (key.type === 'string' && !named && (col.distinct < 5 || (col.text?.avgWords ?? 2) > 1.01)) continue;
        out.push({ child, col, parent, key });
      }
    }
  }
  return out;
}

/**
 * Foreign keys of file tables, from the data: a child column whose values are contained in
 * another table's unique key (exactly, through the child's category values, when it has few;
 * else by comparing Bloom filters bit by bit). The best-named parent wins when several contain it.
 */
export function inferFileForeignKeys(tables: TableStats[]): void {
  const found = new Map<string, { fk: ForeignKey; score: number; table: TableStats }>();
  for (const { child, col, parent, key } of candidatePairs(tables)) {
    if (!key.bloom || !col.bloom) continue;
    let share: number;
    if (col.categories) {
      const vals = Object.keys(col.categories);
      share = vals.filter((v) => key.bloom!.has(hash53(v))).length / vals.length;
    } else share = col.bloom.containedIn(key.bloom);
    if (share < FK_CONTAINMENT) continue;
    const score = share + (namesMatch(col.name, parent.name, key.name) ? 1 : 0);
    const id = `${child.name}.${col.name}`;
    if ((found.get(id)?.score ?? -1) < score) found.set(id, { fk: { column: col.name, refTable: parent.name, refColumn: key.name, source: 'inferred' }, score, table: child });
  }
  for (const { fk, table } of found.values()) table.foreignKeys.push(fk);
}
