import { describe, expect, it } from 'vitest';
import { isoDay, isoSecond } from './iso-date.js';

describe('isoDay / isoSecond', () => {
  it('match Date.toISOString for every day from 1900 to 2100 and for sampled seconds', () => {
    for (let d = -25567; d <= 47482; d++) expect(isoDay(d)).toBe(new Date(d * 86_400_000).toISOString().slice(0, 10));
    for (let s = -2e9; s < 4.1e9; s += 7_777_777) expect(isoSecond(s)).toBe(new Date(s * 1000).toISOString().replace('.000Z', 'Z'));
  });
});
