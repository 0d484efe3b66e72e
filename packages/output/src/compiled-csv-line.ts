import { generatedFunction } from '@synthfarm/core/generated-function';
import { pathReadCode } from '@synthfarm/core/path-read-code';
import { csvCellOf } from './csv-cells.js';
import type { OutRecord } from './sink.js';

/**
 * A record's CSV line, compiled for one list of columns: the bytes `csvLine(csvCells(rec,
 * columns, escapeFormulas))` gives, from one straight-line function with a property load of its
 * own per column. A dataset's records share one shape, so each load stays monomorphic; the loop
 * over the columns it replaces read every column through one keyed load that saw every key
 * (megamorphic), and filled an array of cells first. It ran for every record on the code threads:
 * --cpu-prof of a 1,000,000-row migration put csvCells, csvCell and csvLine at 11% of their time.
 *
 * Only the column paths reach the generated code, each segment as a JSON string literal, as the
 * report's column filler does (column-filler.ts): nothing of a spec is evaluated. Returns
 * undefined where code cannot be generated (`--disallow-code-generation-from-strings`) and for
 * one column (whose null and `\.` rows differ per format): the caller keeps the general path.
 */
export function compileCsvLine(columns: readonly (readonly string[])[], escapeFormulas: boolean): ((rec: OutRecord) => string) | undefined {
  if (columns.length < 2) return undefined;
  const statements = columns.map((segs, c) => {
    const read = pathReadCode(segs, 'rec');
    const text = c === 0 ? `out = v === null || v === undefined ? '' : cell(v);` : `out += v === null || v === undefined ? ',' : ',' + cell(v);`;
    return `${read}\n${text}`;
  });
  return generatedFunction('csvLineOf', { cell: escapeFormulas ? escapedCell : plainCell }, 'rec', `let v, out;\n${statements.join('\n')}\nreturn out + '\\r\\n';`);
}

/** A non-null value's cell (csvCellOf), as one-argument functions the compiled line calls. */
const plainCell = (v: unknown): string => csvCellOf(v, false);
const escapedCell = (v: unknown): string => csvCellOf(v, true);
