import { stringify } from 'csv-stringify/sync';
import { AtomicFile } from './atomic-file.js';
import type { OutRecord, Sink, SinkFile } from './sink.js';

export interface CsvSinkOptions {
  /** Output columns as dot paths; nested objects are flattened to them. */
  columns: string[];
  /**
   * Prefix text cells starting with = + - @ TAB CR with `'` so spreadsheets do not evaluate
   * them (CSV injection). Numbers are never touched: -5 stays a number. Default true.
   */
  escapeFormulas?: boolean;
}

const FORMULA = /^[=+\-@\t\r]/;

/** Turns a record into CSV cells: dot-path columns, arrays as JSON, booleans true/false, nulls empty. */
export function csvCells(rec: OutRecord, columns: string[][], escapeFormulas: boolean): string[] {
  const row = new Array<string>(columns.length);
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

/** RFC 4180 CSV with a header row, quoting by csv-stringify. */
export function createCsvSink(path: string, opts: CsvSinkOptions): Sink {
  const file = new AtomicFile(path);
  const segments = opts.columns.map((c) => c.split('.'));
  const escape = opts.escapeFormulas ?? true;
  let rows = 0;
  let header = false;
  const write = async (records: readonly OutRecord[]) => {
    let text = '';
    if (!header) {
      text = stringify([opts.columns], { eof: true, record_delimiter: '\r\n' });
      header = true;
    }
    if (records.length) text += stringify(records.map((r) => csvCells(r, segments, escape)), { eof: true, record_delimiter: '\r\n' });
    rows += records.length;
    await file.write(text);
  };
  return {
    format: 'csv',
    write,
    async commit(): Promise<SinkFile> {
      if (!header) await write([]);
      return { ...(await file.commit()), format: 'csv', rows };
    },
    abort: () => file.abort(),
  };
}
