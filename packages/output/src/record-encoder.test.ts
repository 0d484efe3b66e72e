import { describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { CSV_OPTIONS, copyLine, createLinePatcher, createRecordEncoder, csvHeader, csvLine } from './record-encoder.js';

/**
 * What csv-stringify writes for one row of cells: the bytes csvLine must keep. Its `quoted_empty`
 * set globally would quote null cells too, so it is set per cell, on empty strings only: `''` is
 * written `""`, `null` an empty unquoted cell.
 */
const reference = (cells: Array<string | null>) =>
  stringify([cells], { ...CSV_OPTIONS, cast: { string: (v: string) => (v === '' ? { value: '', quoted_empty: true } : v) } });

// A small deterministic generator (no Math.random: a failure must reproduce).
function* awkwardRows(n: number): Generator<Array<string | null>> {
  const alphabet = ['a', 'Z', ' ', ',', '"', '\r', '\n', '\r\n', "'", '=', '-', '+', '@', '\t', 'é', '日', '😀', '""', ',,', '\\'];
  let s = 0x2545f491;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8);
  for (let r = 0; r < n; r++) {
    const width = 1 + (next() % 6);
    const row: Array<string | null> = [];
    for (let c = 0; c < width; c++) {
      const len = next() % 7;
      // About one cell in eight is null (no value), apart from the empty string (len 0).
      if (next() % 8 === 0) {
        row.push(null);
        continue;
      }
      let cell = '';
      for (let k = 0; k < len; k++) cell += alphabet[next() % alphabet.length];
      row.push(cell);
    }
    yield row;
  }
}

describe('csvLine', () => {
  it('writes every row byte-for-byte as csv-stringify does under CSV_OPTIONS', () => {
    const rows = [...awkwardRows(5000), ['plain'], [''], ['', ''], [null, ''], ['', null], [null, null], ['"'], ['a\rb'], ['a\nb'], ['x\r'], ['\r\n'], [',']];
    const mismatches = rows.filter((row) => csvLine(row) !== reference(row) && !(row.length === 1 && row[0] === null));
    expect(mismatches.slice(0, 3).map((row) => [row, csvLine(row), reference(row)])).toEqual([]);
  });

  it('keeps NULL (an empty unquoted cell) apart from the empty string ("")', () => {
    expect(csvLine(['a', null, '', 'b'])).toBe('a,,"",b\r\n');
    expect(csvLine([null, null])).toBe(',\r\n');
    expect(csvLine(['', ''])).toBe('"",""\r\n');
    expect(createRecordEncoder('csv', { columns: ['a', 'b', 'c', 'd'] })({ a: null, b: '', d: 0 })).toBe(',"",,0\r\n');
  });

  it('writes a one-column row with an empty string or a null as "" so it is not a blank line', () => {
    expect(csvLine([''])).toBe('""\r\n');
    expect(csvLine([null])).toBe('""\r\n');
  });

  it('writes headers as csv-stringify does', () => {
    const columns = ['id', 'firstName', 'address.city', 'tags'];
    expect(csvHeader(columns)).toBe(reference(columns));
  });

  it('a record encoder and a line patcher agree with csv-stringify on the record they write', () => {
    const columns = ['a', 'b', 'c'];
    const encode = createRecordEncoder('csv', { columns });
    const rec = { a: 'x,"y"', b: ['p', 'q'], c: 'line\nbreak' };
    expect(encode(rec)).toBe(reference(['x,"y"', '["p","q"]', 'line\nbreak']));
    const patch = createLinePatcher('csv', { columns });
    expect(patch(encode(rec), 'b', 'ann,lee2@x.com')).toBe(reference(['x,"y"', 'ann,lee2@x.com', 'line\nbreak']));
  });

  it('a line patcher changes exactly one cell, as re-encoding the whole row would', () => {
    let checked = 0;
    for (const row of awkwardRows(1500)) {
      const columns = row.map((_, c) => `c${c}`);
      const patch = createLinePatcher('csv', { columns, escapeFormulas: false });
      for (let c = 0; c < row.length; c++) {
        const value = (row[(c + 1) % row.length] ?? '') + '"x,y';
        const expected = row.map((cell, j) => (j === c ? value : cell));
        expect(patch(csvLine(row), `c${c}`, value)).toBe(row.length === 1 ? csvLine(expected) : reference(expected));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
    // A one-column row patched to empty stays a row, not a blank line.
    expect(createLinePatcher('csv', { columns: ['a'] })('x\r\n', 'a', '')).toBe('""\r\n');
    expect(createLinePatcher('csv', { columns: ['a'] })('x\r\n', 'a', null)).toBe('""\r\n');
    // A patched cell keeps NULL apart from the empty string, the other cells keep their bytes.
    expect(createLinePatcher('csv', { columns: ['a', 'b', 'c'] })(',x,""\r\n', 'b', '')).toBe(',"",""\r\n');
    expect(createLinePatcher('csv', { columns: ['a', 'b', 'c'] })(',x,""\r\n', 'b', null)).toBe(',,""\r\n');
    // Formula escaping applies to the new cell as it does when encoding.
    expect(createLinePatcher('csv', { columns: ['a', 'b'] })('1,2\r\n', 'b', '=cmd')).toBe("1,'=cmd\r\n");
  });
});

describe('pgcopy lines (COPY … FORMAT csv)', () => {
  it('are the CSV line of the table columns, unescaped, with objects as JSON', () => {
    const encode = createRecordEncoder('pgcopy', { columns: ['id', 'name', 'address', 'tags', 'ok'] });
    const rec = { id: 7, name: '=x,"y"', address: { city: 'Köln', zip: null }, tags: ['a'], ok: false };
    expect(encode(rec)).toBe('7,"=x,""y""","{""city"":""Köln"",""zip"":null}","[""a""]",false\r\n');
    expect(encode({ id: 1, name: '', address: null })).toBe('1,"",,,\r\n');
  });

  it('with two or more columns are byte for byte the CSV lines; with one, NULL is an empty line and \\. is quoted', () => {
    for (const row of awkwardRows(2000)) if (row.length > 1) expect(copyLine(row)).toBe(csvLine(row));
    expect(copyLine([null])).toBe('\r\n');
    expect(copyLine([''])).toBe('""\r\n');
    expect(copyLine(['\\.'])).toBe('"\\."\r\n');
    expect(copyLine(['\\.', 'x'])).toBe('\\.,x\r\n');
  });

  it('a patcher sets a top-level cell, or a nested field inside its object column', () => {
    const opts = { columns: ['id', 'contact', 'email'] };
    const encode = createRecordEncoder('pgcopy', opts);
    const patch = createLinePatcher('pgcopy', opts);
    const rec = { id: 1, contact: { name: 'Ann', email: 'ann@x.io' }, email: 'a@x.io' };
    expect(patch(encode(rec), 'email', 'a2@x.io')).toBe(encode({ ...rec, email: 'a2@x.io' }));
    expect(patch(encode(rec), 'contact.email', 'ann2@x.io')).toBe(encode({ ...rec, contact: { name: 'Ann', email: 'ann2@x.io' } }));
    const one = createLinePatcher('pgcopy', { columns: ['a'] });
    expect(one('x\r\n', 'a', null)).toBe('\r\n');
  });
});
