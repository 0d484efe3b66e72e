import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { csvCells } from './csv-cells.js';
import { createRecordEncoder, csvHeader } from './record-encoder.js';

const cols = (...c: string[]): string[][] => c.map((p) => p.split('.'));

describe('csvCells', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+49 30 1234', "'+49 30 1234"],
    ['-x', "'-x"],
    ['-5', "'-5"], // text that looks like a number is still text a spreadsheet would evaluate
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['a=b', 'a=b'],
    ['plain', 'plain'],
    ['', ''],
  ])('string %j becomes cell %j (formula escaping on)', (value, cell) => {
    expect(csvCells({ v: value }, cols('v'), true)).toEqual([cell]);
  });

  it('escaping off leaves strings alone', () => {
    expect(csvCells({ a: '=1+1', b: '@x' }, cols('a', 'b'), false)).toEqual(['=1+1', '@x']);
  });

  it.each([
    [-5, '-5'],
    [-0.25, '-0.25'],
    [0, '0'],
    [1e21, '1e+21'],
    [true, 'true'],
    [false, 'false'],
    [null, null],
    [undefined, null],
    [['a', 1, null], '["a",1,null]'],
    [[], '[]'],
  ])('value %j becomes cell %j: numbers are never formula-escaped', (value, cell) => {
    expect(csvCells({ v: value }, cols('v'), true)).toEqual([cell]);
  });

  it('flattens nested objects to dot-path columns; a null parent gives null cells', () => {
    const columns = cols('id', 'address.city', 'address.geo.lat', 'tags');
    expect(csvCells({ id: 1, address: { city: 'Berlin', geo: { lat: 52.5 } }, tags: ['x'] }, columns, true)).toEqual(['1', 'Berlin', '52.5', '["x"]']);
    expect(csvCells({ id: 2, address: null, tags: [] }, columns, true)).toEqual(['2', null, null, '[]']);
  });
});

describe('CSV encoding (RFC 4180)', () => {
  it('quotes commas, quotes and newlines so a CSV parser reads back the same cells', () => {
    const columns = ['a', 'b', 'c', 'd', 'e'];
    const encode = createRecordEncoder('csv', { columns });
    const rec = { a: 'x,y', b: 'say "hi"', c: 'line1\nline2\r\nline3', d: '=cmd|"/c calc"!A0', e: ' spaced ' };
    const text = csvHeader(columns) + encode(rec);
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([{ a: 'x,y', b: 'say "hi"', c: 'line1\nline2\r\nline3', d: `'=cmd|"/c calc"!A0`, e: ' spaced ' }]);
  });
});
