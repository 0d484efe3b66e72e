import { describe, expect, it } from 'vitest';
import { numberText } from './number-text.js';

describe('numberText', () => {
  it('writes what String writes, for integers, two-decimal values and everything else', () => {
    const fixed = [0, -0, 1, -1, 0.5, -0.5, 0.01, -0.01, 0.1, 0.07, 1.005, 2718.08, 9149.55, 0.29, 1.1, 12.3, 99.99, 1e-7, 1e21, 1e15, 9999999999999.99, 123456789012.34, -98765.43, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1 / 3, Math.PI, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308];
    for (const v of fixed) expect(numberText(v), String(v)).toBe(String(v));
    let s = 12345;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 200_000; i++) {
      const scale = 10 ** Math.floor(next() * 16 - 3);
      const v = i % 3 === 0 ? Math.round(next() * scale * 100) / 100 : i % 3 === 1 ? -Math.round(next() * scale * 100) / 100 : next() * scale;
      const want = String(v);
      if (numberText(v) !== want) expect(numberText(v), want).toBe(want);
      const u = Math.round(next() * 1e6) / 100 + (i % 7) * 1e-9;
      if (numberText(u) !== String(u)) expect(numberText(u)).toBe(String(u));
    }
  });
});
