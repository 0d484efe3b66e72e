import { describe, expect, it } from 'vitest';
import { rowBuilder, rowBuilderLoop } from './row-builder.js';

describe('rowBuilder', () => {
  const headers: string[][] = [
    ['id', 'name', 'email'],
    ['a"b', "it's", 'back\\slash', 'line\u2028sep', '${x}', '`tick`', '}; throw 1; ({', 'ünï', ''],
    ['dup', 'other', 'dup'],
    ['constructor', 'toString', 'hasOwnProperty', '0', '1e3'],
    ['__proto__', 'x'],
  ];

  it.each(headers)('makes the rows the loop makes, for header %j', (...header) => {
    const fields = header.map((_, i) => (i % 3 === 1 ? null : `v${i}`));
    for (const convert of [undefined, (v: string) => v.toUpperCase()]) {
      const fast = rowBuilder(header, convert);
      const loop = rowBuilderLoop(header, convert);
      const got = fast(fields);
      expect(got).toEqual(loop(fields));
      expect(Object.keys(got)).toEqual(Object.keys(loop(fields)));
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      // Missing trailing fields read as null.
      expect(fast(fields.slice(0, 1))).toEqual(loop(fields.slice(0, 1)));
    }
  });

  it('keeps __proto__ a plain property (the row\'s prototype stays Object.prototype)', () => {
    const row = rowBuilder(['__proto__', 'x'])(['{"polluted":true}', '1']);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('{"polluted":true}');
  });
});
