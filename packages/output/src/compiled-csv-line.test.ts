import { describe, expect, it } from 'vitest';
import { compileCsvLine } from './compiled-csv-line.js';
import { csvCells } from './csv-cells.js';
import { csvLine } from './record-encoder.js';
import type { OutRecord } from './sink.js';

// Deterministic values of every kind a record holds, awkward ones first.
function* values(n: number): Generator<unknown> {
  const fixed: unknown[] = [null, undefined, '', ' ', '"', 'a,b', 'a\r\nb', '\r', '\n', '=1+1', '+x', '-3', '@a', '\tx', '\rx', "'", 'é日😀', 0, -0, 1.5, -2, 1e21, NaN, true, false, [], [1, 'a,"b"'], { a: null }, { 'k"': 'v\n' }];
  yield* fixed;
  let s = 0x9e3779b9;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8);
  const alphabet = ['a', ',', '"', '\r', '\n', '=', '-', ' ', 'ß'];
  for (let i = 0; i < n; i++) {
    const pick = next() % 6;
    if (pick === 0) yield null;
    else if (pick === 1) yield (next() % 2000) / 7;
    else {
      let t = '';
      for (let k = next() % 6; k > 0; k--) t += alphabet[next() % alphabet.length];
      yield t;
    }
  }
}

const columns = [['id'], ['name'], ['address', 'city'], ['address', 'geo', 'lat'], ['tags'], ['weird "key"']];

function* records(n: number): Generator<OutRecord> {
  const v = values(n * columns.length);
  for (let i = 0; i < n; i++) {
    const take = () => v.next().value;
    const city = take();
    const lat = take();
    const pick = i % 4;
    // The nested path crosses an object, a missing object, a null and a string.
    const address = pick === 0 ? { city, geo: { lat } } : pick === 1 ? undefined : pick === 2 ? null : 'flat';
    yield { id: take(), name: take(), address, tags: take(), 'weird "key"': take() } as OutRecord;
  }
}

describe('compileCsvLine', () => {
  for (const escape of [true, false]) {
    it(`writes each record's line byte for byte as csvLine(csvCells(…)) does (escapeFormulas ${escape})`, () => {
      const line = compileCsvLine(columns, escape)!;
      const mismatches: unknown[] = [];
      for (const rec of records(3000)) {
        const want = csvLine(csvCells(rec, columns, escape));
        if (line(rec) !== want) mismatches.push([rec, line(rec), want]);
      }
      expect(mismatches.slice(0, 3)).toEqual([]);
    });
  }

  it('leaves one-column lines to the general path (their null and \\. rows differ per format)', () => {
    expect(compileCsvLine([['only']], true)).toBeUndefined();
  });

  it('evaluates nothing of a column name: a name that reads as code is a key like any other', () => {
    const evil = `"]; globalThis.pwned = 1; //`;
    const line = compileCsvLine([[evil], ['b']], false)!;
    expect(line({ [evil]: 'x', b: 'y' } as OutRecord)).toBe('x,y\r\n');
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });
});
