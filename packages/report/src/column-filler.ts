import { generatedFunction } from '@synthfarm/core/generated-function';
import { pathReadCode } from '@synthfarm/core/path-read-code';
import type { DatasetPlan } from './column-plan.js';

/**
 * Copies one record's values into the plan's columns, at row `n` of each (`columns[i][n]`: the
 * value at the column's dot path, undefined where the path is missing or crosses a non-object).
 */
export type ColumnFiller = (record: Record<string, unknown>, n: number, columns: unknown[][]) => void;

/** Per plan: made once, used for every record of the plan's batches. */
const fillers = new WeakMap<DatasetPlan, ColumnFiller>();

/**
 * The filler of a plan's columns, made once per plan. It is compiled from the plan's paths into
 * one straight-line function, so each column is read by a property load of its own: a record's
 * shape is the same for the whole dataset, and those loads stay monomorphic. Read by one loop
 * over the paths instead, every load saw every column's key and went megamorphic; it was the
 * largest part of what summarizing cost (the report's `columnValues`, before this).
 *
 * Only the paths reach the generated code, each as a JSON string literal (a string literal in
 * JavaScript for any text), and the column indexes as integers: nothing of a spec is evaluated.
 * Where code cannot be generated (`--disallow-code-generation-from-strings`), the same reads run
 * in a loop.
 */
export function columnFiller(plan: DatasetPlan): ColumnFiller {
  let f = fillers.get(plan);
  if (f) return f;
  const paths = plan.columns.map((c) => c.path.split('.'));
  f = generatedFunction<ColumnFiller>('fillColumns', {}, 'record, n, columns', paths.map(readStatement).join('\n')) ?? ((record, n, columns) => {
    for (let i = 0; i < paths.length; i++) columns[i]![n] = valueAt(record, paths[i]!);
  });
  fillers.set(plan, f);
  return f;
}

/** `columns[i][n] = <the record's value at segs>` as a statement. */
function readStatement(segs: string[], i: number): string {
  return `{ let v; ${pathReadCode(segs, 'record')} columns[${i}][n] = v; }`;
}

/** The value at `segs` (undefined where the path is missing or crosses a non-object). */
function valueAt(record: Record<string, unknown>, segs: readonly string[]): unknown {
  let v: unknown = record[segs[0]!];
  for (let i = 1; i < segs.length; i++) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[segs[i]!] : undefined;
  return v;
}
