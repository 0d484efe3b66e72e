import { describe, expect, it } from 'vitest';
import { ksFromQuantiles, tvd } from '../compare/distances.js';
import { parseValue } from './parse-value.js';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

describe('parseValue: what a legacy cell holds', () => {
  it.each([
    ['42', { t: 'integer', v: 42 }],
    ['-3.25', { t: 'number', v: -3.25, decimals: 2 }],
    ['1500,50', { t: 'number', v: 1500.5, format: 'decimal-comma' }],
    ['1,234,567.5', { t: 'number', v: 1234567.5, format: 'thousands' }],
    ['2019-03-04', { t: 'date', v: day(2019, 3, 4), format: 'YYYY-MM-DD' }],
    ['04/03/2019', { t: 'date', v: day(2019, 3, 4), format: 'DD/MM/YYYY' }],
    ['25/12/2019', { t: 'date', v: day(2019, 12, 25), format: 'DD/MM/YYYY' }],
    ['12/25/2019', { t: 'date', v: day(2019, 12, 25), format: 'MM/DD/YYYY' }],
    ['04.03.2019', { t: 'date', v: day(2019, 3, 4), format: 'DD.MM.YYYY' }],
    ['04-Mar-2019', { t: 'date', v: day(2019, 3, 4), format: 'DD-Mon-YYYY' }],
    ['2019-03-04 10:20:30', { t: 'datetime', v: Date.UTC(2019, 2, 4, 10, 20, 30) }],
    ['31/02/2019', { t: 'string' }],
    ['00123', { t: 'string' }],
    ['ALFKI', { t: 'string' }],
    ['TRUE', { t: 'boolean', v: true }],
  ])('%s', (s, want) => {
    expect(parseValue(s)).toMatchObject(want);
  });

  it('an ambiguous slash date follows the evidence of its column', () => {
    expect(parseValue('04/03/2019', 'mdy')).toMatchObject({ v: day(2019, 4, 3), format: 'MM/DD/YYYY' });
  });
});

describe('distances', () => {
  it('KS: 0 for the same quantiles, the CDF gap for shifted ones, 1 for disjoint ones', () => {
    const q = Array.from({ length: 101 }, (_, i) => i);
    expect(ksFromQuantiles(q, q)).toBe(0);
    expect(ksFromQuantiles(q, q.map((x) => x + 10))).toBeCloseTo(0.1, 5);
    expect(ksFromQuantiles(q, q.map((x) => x + 1000))).toBe(1);
  });

  it('TVD: half the sum of the differences of proportions', () => {
    expect(tvd({ a: 50, b: 50 }, { a: 5, b: 5 })).toBe(0);
    expect(tvd({ a: 70, b: 30 }, { a: 50, b: 50 })).toBeCloseTo(0.2, 10);
    expect(tvd({ a: 1 }, { b: 1 })).toBe(1);
  });
});
