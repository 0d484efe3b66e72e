import { numberText } from './number-text.js';
import type { OutRecord } from './sink.js';

/** = + - @ TAB CR: what a spreadsheet may run as a formula. */
function startsLikeFormula(v: string): boolean {
  const c = v.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

/**
 * A CSV cell before quoting: its text, or `null` for no value (a null or missing field), which
 * {@link csvLine} writes as an empty unquoted cell, apart from the empty string (`""`).
 */
export type CsvCell = string | null;

/**
 * Turns a record into CSV cells: dot-path columns, arrays as JSON, booleans true/false, a null or
 * missing value as `null` (an empty unquoted cell once written; the empty string is written `""`).
 */
export function csvCells(rec: OutRecord, columns: string[][], escapeFormulas: boolean, into?: CsvCell[]): CsvCell[] {
  const row = into ?? new Array<CsvCell>(columns.length);
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
    row[c] = v === null || v === undefined ? null : cellText(v, escapeFormulas);
  }
  return row;
}

/** A value's cell text (not null or undefined): arrays and objects as JSON, a formula-like text led by `'` when escaping. */
export function cellText(v: unknown, escapeFormulas: boolean): string {
  if (typeof v === 'string') return escapeFormulas && startsLikeFormula(v) ? `'${v}` : v;
  if (typeof v === 'number') return numberText(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * A non-null value's cell as {@link csvLine} writes it: {@link cellText}, quoted where it must be.
 * A number's text is never quoted (digits, `-`, `.`, `e`, `+`, `NaN`, `Infinity`) nor escaped as
 * a formula (only text is), so it skips quoteCell's test: a third of a migration's cells are
 * numbers, and the test was ~2.5% of its code threads' time (perf).
 */
export function csvCellOf(v: unknown, escapeFormulas: boolean): string {
  return typeof v === 'number' ? numberText(v) : quoteCell(cellText(v, escapeFormulas));
}

/** " , CR LF: the characters that force quotes. (A regular expression test: 2–3× a charCodeAt loop here.) */
const NEEDS_QUOTES = /[",\r\n]/;

/** A cell's text as csv-stringify writes it under CSV_OPTIONS (see csvLine): `''` as `""`, quoted where it must be. */
export function quoteCell(text: string): string {
  if (text === '') return '""';
  return NEEDS_QUOTES.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text;
}
