import type { OutRecord } from './sink.js';

const FORMULA = /^[=+\-@\t\r]/;

/** Turns a record into CSV cells: dot-path columns, arrays as JSON, booleans true/false, nulls empty. */
export function csvCells(rec: OutRecord, columns: string[][], escapeFormulas: boolean, into?: string[]): string[] {
  const row = into ?? new Array<string>(columns.length);
  for (let c = 0; c < columns.length; c++) {
    const segs = columns[c]!;
    let v: unknown = rec;
    for (let s = 0; s < segs.length; s++) {
      if (v === null || typeof v !== 'object') {
        v = undefined;
        break;
      }
      v = (v as OutRecord)[segs[s]!];
    }
    if (v === null || v === undefined) row[c] = '';
    else if (typeof v === 'string') row[c] = escapeFormulas && FORMULA.test(v) ? `'${v}` : v;
    else if (typeof v === 'object') row[c] = JSON.stringify(v);
    else row[c] = String(v);
  }
  return row;
}
