import { describe, expect, it } from 'vitest';
import { parseIsoDate } from './iso-date.js';

describe('parseIsoDate', () => {
  it('agrees with Date.parse on the dates a run writes, over four centuries', () => {
    let s = 7;
    const rnd = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 20_000; i++) {
      const t = Math.floor((rnd() * 2 - 1) * 400 * 365.25 * 86_400_000) + Date.UTC(2000, 0, 1);
      const iso = new Date(t).toISOString();
      for (const text of [iso, iso.slice(0, 10), `${iso.slice(0, 19)}Z`, `${iso.slice(0, 19)}+01:00`, `${iso.slice(0, 23)}-05:30`]) expect([text, parseIsoDate(text)]).toEqual([text, Date.parse(text)]);
    }
  });

  it.each([
    '2024-02-29', '2023-02-29', '2024-02-30', '2024-13-01', '2024-00-10', '2024-04-31', '2100-02-29', '2000-02-29',
    '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T12:00:60Z', '2024-01-01T12:00:00', '2024-01-01T12:00:00+02:00', '2024-01-01T12:00:00+24:00', '2024-01-01T12:00:00+02:60', '2024-01-01T12:00:00+0200', '2024-01-01T12:00:00.123+23:59', '2024-01-01T12:00:00-00:00', '2024-01-01T12:00:00Z+01:00',
    '2024-01-01 12:00:00Z', '2024-1-01', 'x024-01-01', '2024-01-01T12:00:00.5Z', '2024-01-01T12:00:00,123Z', 'March 7, 2024', '', '+002024-01-01',
  ])('gives what Date.parse gives for %j', (text) => {
    expect(Object.is(parseIsoDate(text), Date.parse(text))).toBe(true);
  });
});
