import type { OutRecord } from './sink.js';

/** = + - @ TAB CR: what a spreadsheet may run as a formula. */
function startsLikeFormula(v: string): boolean {
  const c = v.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/** Turns a record into CSV cells: dot-path columns, arrays as JSON, booleans true/false, nulls empty. */
export function csvCells(rec: OutRecord, columns: string[][], escapeFormulas: boolean, into?: string[]): string[] {
  const row = into ?? new Array<string>(columns.length);
  for (let c = 0; c < columns.length; c++) {
    const segs = columns[c]!;
    let v: unknown = segs.length === 1 ? rec[segs[0]!] : rec;
    for (let s = segs.length === 1 ? 1 : 0; s < segs.length; s++) {
      if (v === null || typeof v !== 'object') {
        v = undefined;
        break;
      }
      v = (v as OutRecord)[segs[s]!];
    }
    if (v === null || v === undefined) row[c] = '';
    else if (typeof v === 'string') row[c] = escapeFormulas && startsLikeFormula(v) ? `'${v}` : v;
    else if (typeof v === 'object') row[c] = JSON.stringify(v);
    else row[c] = String(v);
  }
  return row;
}
