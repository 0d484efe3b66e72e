import { describe, expect, it } from 'vitest';
import { SharedColumn } from '@synthfarm/codegen/generator';
import { integerBitmap, refLookup } from './ref-lookup.js';

describe('integerBitmap', () => {
  it('answers as a Set of the same keys does, for every kind of value', () => {
    const keys = Float64Array.from([7, 3, 1000, 12, 13, 999, -4, 0]);
    const bitmap = integerBitmap(keys)!;
    expect(bitmap).toBeDefined();
    const set = new Set<unknown>(keys);
    const probes: unknown[] = [7, 3, 1000, 12, 13, 999, -4, 0, -0, 7.0, 1, 2, 14, 998, 1001, -5, -3, 7.5, NaN, Infinity, '7', null, undefined, 7n, {}, [7]];
    for (const v of probes) expect([v, bitmap.has(v)]).toEqual([v, set.has(v)]);
  });

  it('leaves keys that are not integers, or too spread out, to a Set', () => {
    expect(integerBitmap(Float64Array.from([1, 2.5]))).toBeUndefined();
    expect(integerBitmap(Float64Array.from([1, NaN]))).toBeUndefined();
    expect(integerBitmap(Float64Array.from([0, 2 ** 40]))).toBeUndefined();
    expect(integerBitmap(new Float64Array(0))).toBeUndefined();
  });
});

describe('refLookup', () => {
  it("finds the referenced column's values, numbers and text alike, and nothing else", () => {
    const ids = SharedColumn.from([1, 2, 3, 5, 8]);
    const codes = SharedColumn.from(['a', 'b']);
    const lookup = refLookup({ 'c.id': ids.data, 'c.code': codes.data }, `spec-${Math.random()}`);
    const byId = lookup('c.id')!;
    expect([1, 2, 3, 5, 8].every((v) => byId.has(v))).toBe(true);
    expect([4, 6, 9, '1', null].some((v) => byId.has(v))).toBe(false);
    const byCode = lookup('c.code')!;
    expect(byCode.has('a') && byCode.has('b') && !byCode.has('c')).toBe(true);
    expect(lookup('c.missing')).toBeUndefined();
  });
});
