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
    const read = `v = rec${key(segs[0]!)};${segs.slice(1).map((s) => ` v = v !== null && typeof v === 'object' ? v${key(s)} : undefined;`).join('')}`;
    const text = c === 0 ? `out = v === null || v === undefined ? '' : cell(v);` : `out += v === null || v === undefined ? ',' : ',' + cell(v);`;
    return `${read}\n${text}`;
  });
  try {
    const make = new Function('cell', `return function csvLineOf(rec) {\nlet v, out;\n${statements.join('\n')}\nreturn out + '\\r\\n';\n};`) as (cell: (v: unknown) => string) => (rec: OutRecord) => string;
    return make(escapeFormulas ? escapedCell : plainCell);
  } catch {
    return undefined;
  }
}

const key = (s: string) => `[${JSON.stringify(s)}]`;

/** " , CR LF: the characters that force quotes (as csvLine's). */
const NEEDS_QUOTES = /[",\r\n]/;

/** A non-null value's cell, quoted as csvLine quotes it. */
function plainCell(v: unknown): string {
  return quoted(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
}

/** plainCell, a text that may run as a spreadsheet formula led by `'` (csvCells' escaping). */
function escapedCell(v: unknown): string {
  if (typeof v !== 'string') return plainCell(v);
  const c = v.charCodeAt(0);
  // = + - @ TAB CR
  return quoted(c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${v}` : v);
}

function quoted(s: string): string {
  if (s === '') return '""';
  return NEEDS_QUOTES.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}
