import { describe, expect, it } from 'vitest';
import { validateSpec } from '@synthfarm/spec';
import { CompiledDataset } from './compile-dataset.js';

/** `datetime` with `weights` and `tz`: timestamps that look like traffic, in a zone's local time. */

const N = 20_000;
// A working-day curve: quiet nights, a 9-10 peak, a lunch dip.
const HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 12, 9, 7, 5, 7, 7, 6, 6, 5, 4, 3, 2, 2, 1, 1];
const WEEKDAYS = [3, 2, 2, 2, 2, 1, 1]; // Monday first

function values(field: Record<string, unknown>, n = N): string[] {
  const spec = validateSpec({ seed: 11, datasets: [{ name: 't', count: n, fields: { at: field } }] }, 't.yaml', 'test', { env: {} }).spec;
  const ds = new CompiledDataset(spec, 0);
  return Array.from({ length: n }, (_, i) => ds.generate(i).at as string);
}

/** Local wall-clock parts of a written `YYYY-MM-DDTHH:MM:SS±HH:MM` (as written, not converted). */
function local(v: string): { hour: number; weekday: number; date: string } {
  const date = v.slice(0, 10);
  const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday = 0
  return { hour: Number(v.slice(11, 13)), weekday, date };
}

describe('datetime weights', () => {
  const vs = values({ kind: 'datetime', from: '2024-01-01', to: '2025-12-31', tz: 'Europe/Berlin', weights: { hour: HOURS, weekday: WEEKDAYS } });

  it('writes local time with the zone offset', () => {
    for (const v of vs) expect(v).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[12]:00$/);
    // Winter values are +01:00, summer values +02:00.
    expect(vs.filter((v) => v.slice(5, 7) === '01').every((v) => v.endsWith('+01:00'))).toBe(true);
    expect(vs.filter((v) => v.slice(5, 7) === '07').every((v) => v.endsWith('+02:00'))).toBe(true);
  });

  it('follows the hour-of-day weights in local time', () => {
    const counts = new Array<number>(24).fill(0);
    for (const v of vs) counts[local(v).hour]!++;
    const total = HOURS.reduce((a, b) => a + b, 0);
    HOURS.forEach((w, h) => {
      const expected = (N * w) / total;
      // About 4 standard errors of a binomial count.
      expect(Math.abs(counts[h]! - expected)).toBeLessThan(4 * Math.sqrt(expected) + 5);
    });
    expect(counts.indexOf(Math.max(...counts))).toBe(9);
  });

  it('follows the weekday weights, Monday first: the peak hour of the week is Monday 9-10', () => {
    const days = new Array<number>(7).fill(0);
    const slots = new Map<string, number>();
    for (const v of vs) {
      const { hour, weekday } = local(v);
      days[weekday]!++;
      slots.set(`${weekday}:${hour}`, (slots.get(`${weekday}:${hour}`) ?? 0) + 1);
    }
    const total = WEEKDAYS.reduce((a, b) => a + b, 0);
    WEEKDAYS.forEach((w, d) => expect(Math.abs(days[d]! - (N * w) / total)).toBeLessThan(4 * Math.sqrt((N * w) / total) + 5));
    const peak = [...slots].sort((a, b) => b[1] - a[1])[0]![0];
    expect(peak).toBe('0:9');
  });

  it('follows a seasonal curve by month', () => {
    const month = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 8]; // a Christmas rush
    const ms = values({ kind: 'datetime', from: '2024-01-01', to: '2024-12-31T23:59:59Z', weights: { month } }).map((v) => Number(v.slice(5, 7)));
    const dec = ms.filter((m) => m === 12).length / ms.length;
    const jan = ms.filter((m) => m === 1).length / ms.length;
    // December has 8 of 22 weight units spread over 31 days, like January's 1.
    expect(dec).toBeGreaterThan(0.33);
    expect(dec).toBeLessThan(0.40);
    expect(jan).toBeGreaterThan(0.03);
    expect(jan).toBeLessThan(0.06);
  });

  it('is the same bytes for the same seed, and stays within from..to', () => {
    const again = values({ kind: 'datetime', from: '2024-01-01', to: '2025-12-31', tz: 'Europe/Berlin', weights: { hour: HOURS, weekday: WEEKDAYS } });
    expect(again).toEqual(vs);
    for (const v of vs) {
      const t = Date.parse(v);
      expect(t).toBeGreaterThanOrEqual(Date.parse('2024-01-01T00:00:00Z'));
      expect(t).toBeLessThanOrEqual(Date.parse('2025-12-31T00:00:00Z'));
    }
  });
});

describe('datetime tz', () => {
  it('writes the offset in force at each instant across a DST change (Europe/Berlin, 2024-03-31 01:00 UTC)', () => {
    // A range of two hours around the spring change: every value maps back to its instant.
    const vs = values({ kind: 'datetime', from: '2024-03-31T00:00:00Z', to: '2024-03-31T01:59:59Z', tz: 'Europe/Berlin' }, 2000);
    for (const v of vs) {
      const t = Date.parse(v);
      expect(v.endsWith(t < Date.parse('2024-03-31T01:00:00Z') ? '+01:00' : '+02:00')).toBe(true);
      // 02:xx local does not exist that night.
      expect(v.slice(11, 13)).not.toBe('02');
    }
    expect(new Set(vs.map((v) => v.slice(-6)))).toEqual(new Set(['+01:00', '+02:00']));
  });

  it('writes the autumn change too (2024-10-27 01:00 UTC: 02:xx local happens twice)', () => {
    const vs = values({ kind: 'datetime', from: '2024-10-27T00:00:00Z', to: '2024-10-27T01:59:59Z', tz: 'Europe/Berlin' }, 2000);
    for (const v of vs) expect(v.slice(11, 13)).toBe('02');
    for (const v of vs) expect(v.endsWith(Date.parse(v) < Date.parse('2024-10-27T01:00:00Z') ? '+02:00' : '+01:00')).toBe(true);
  });

  it('leaves a datetime without tz in UTC, as before', () => {
    for (const v of values({ kind: 'datetime', from: '2024-01-01', to: '2024-12-31' }, 200)) expect(v).toMatch(/Z$/);
  });

  it('writes half-hour and negative offsets', () => {
    expect(values({ kind: 'datetime', from: '2024-01-10', to: '2024-01-11', tz: 'Asia/Kolkata' }, 20).every((v) => v.endsWith('+05:30'))).toBe(true);
    expect(values({ kind: 'datetime', from: '2024-01-10', to: '2024-01-11', tz: 'America/New_York' }, 20).every((v) => v.endsWith('-05:00'))).toBe(true);
  });
});

describe('datetime weights and tz: spec errors', () => {
  const bad = (field: Record<string, unknown>) => () => validateSpec({ datasets: [{ name: 't', count: 1, fields: { at: field } }] }, 't.yaml', 'test', { env: {} });
  it.each([
    [{ kind: 'datetime', from: '2024-01-01', to: '2024-02-01', tz: 'Europe/Berln' }, /datasets\[0\]\.fields\.at\.tz: unknown time zone 'Europe\/Berln'/],
    [{ kind: 'datetime', from: '2024-01-01', to: '2024-02-01', weights: { hour: [1, 2, 3] } }, /datasets\[0\]\.fields\.at\.weights\.hour: must list 24 weights/],
    [{ kind: 'datetime', from: '2024-01-01', to: '2024-02-01', weights: { weekday: [0, 0, 0, 0, 0, 0, 0] } }, /weights\.weekday: must have at least one weight > 0/],
    [{ kind: 'datetime', from: '2024-01-01', to: '2024-02-01', weights: {} }, /weights: must give at least one of hour, weekday, month/],
    [{ kind: 'datetime', from: '2024-01-01', to: '2024-02-01', weights: { hour: [...HOURS.slice(0, 23), -1] } }, /weights\.hour\[23\]: must be >= 0/],
  ])('%j', (field, message) => {
    expect(bad(field)).toThrow(message);
  });

  it('refuses weights no hour of the range has', () => {
    // 2024-01-06/07 is a weekend; only weekdays are weighted.
    const spec = validateSpec({ datasets: [{ name: 't', count: 1, fields: { at: { kind: 'datetime', from: '2024-01-06', to: '2024-01-07T23:59:59Z', weights: { weekday: [1, 1, 1, 1, 1, 0, 0] } } } }] }, 't.yaml', 'test', { env: {} }).spec;
    expect(() => new CompiledDataset(spec, 0)).toThrow(/datasets\[0\]\.fields\.at\.weights: no hour between from and to has a weight > 0/);
  });
});
