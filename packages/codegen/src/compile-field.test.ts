import { describe, expect, it } from 'vitest';
import { SpecError } from '@synthfarm/core';
import { validateSpec } from '@synthfarm/spec';
import { CompiledDataset, type DataRecord } from './compile-dataset.js';
import { SharedColumn } from './shared-column.js';
import { resolveChildCounts } from './per-parent.js';

/**
 * One test per field kind (DESIGN §2): what a user would see in 10,000 generated records.
 * Tolerances are about 4 standard errors, so a correct generator essentially never fails,
 * while a wrong parameter (sd used as variance, rate as mean, an off-by-one range) does.
 */

const N = 10_000;

function compile(fields: Record<string, unknown>, opts: { seed?: number; count?: number } = {}): CompiledDataset {
  const raw = { seed: opts.seed ?? 42, datasets: [{ name: 't', count: opts.count ?? N, fields }] };
  return new CompiledDataset(validateSpec(raw, 't.yaml', 'test', { env: {} }).spec, 0);
}

function records(fields: Record<string, unknown>, n = N, seed = 42): DataRecord[] {
  const ds = compile(fields, { seed });
  return Array.from({ length: n }, (_, i) => ds.generate(i));
}

/** The values of field `x` in n records. */
function draw(field: Record<string, unknown>, n = N): unknown[] {
  return records({ x: field }, n).map((r) => r.x);
}

const nums = (vs: unknown[]): number[] => vs.map((v) => {
  expect(typeof v).toBe('number');
  return v as number;
});
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const share = (vs: unknown[], pred: (v: unknown) => boolean): number => vs.filter(pred).length / vs.length;
function pearson(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('numeric distributions (10,000 records)', () => {
  const cases: Array<{
    name: string;
    field: Record<string, unknown>;
    mean: [number, number];
    sd: [number, number];
    /** A shape check: the share of values for which `test` holds. */
    shape: [string, (x: number) => boolean, number];
    min?: number;
    integer?: boolean;
  }> = [
    { name: 'normal', field: { kind: 'normal', mean: 35, sd: 12 }, mean: [35, 0.5], sd: [12, 0.4], shape: ['within 1 sd', (x) => Math.abs(x - 35) < 12, 0.6827] },
    { name: 'uniform', field: { kind: 'uniform', min: 10, max: 20 }, mean: [15, 0.12], sd: [10 / Math.sqrt(12), 0.06], shape: ['in the lowest tenth', (x) => x < 11, 0.1], min: 10 },
    { name: 'exponential', field: { kind: 'exponential', rate: 0.5 }, mean: [2, 0.08], sd: [2, 0.15], shape: ['above the mean', (x) => x > 2, Math.exp(-1)], min: 0 },
    { name: 'poisson', field: { kind: 'poisson', lambda: 4 }, mean: [4, 0.08], sd: [2, 0.06], shape: ['zero', (x) => x === 0, Math.exp(-4)], min: 0, integer: true },
    { name: 'poisson, large lambda', field: { kind: 'poisson', lambda: 900 }, mean: [900, 1.2], sd: [30, 1.2], shape: ['below lambda', (x) => x < 900, 0.5], min: 0, integer: true },
    // mean exp(mu + sigma²/2), sd mean·sqrt(exp(sigma²) − 1)
    { name: 'lognormal', field: { kind: 'lognormal', mu: 1, sigma: 0.5 }, mean: [Math.exp(1.125), 0.07], sd: [Math.exp(1.125) * Math.sqrt(Math.exp(0.25) - 1), 0.1], shape: ['below the median e^mu', (x) => x < Math.E, 0.5], min: 0 },
  ];

  it.each(cases)('$name: mean, sd and shape match the parameters', (c) => {
    const xs = nums(draw(c.field));
    expect(Math.abs(mean(xs) - c.mean[0])).toBeLessThan(c.mean[1]);
    expect(Math.abs(sd(xs) - c.sd[0])).toBeLessThan(c.sd[1]);
    expect(Math.abs(share(xs, (v) => c.shape[1](v as number)) - c.shape[2])).toBeLessThan(0.02);
    if (c.min !== undefined) expect(Math.min(...xs)).toBeGreaterThanOrEqual(c.min);
    if (c.integer) expect(xs.every(Number.isInteger)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(c.integer ? 10 : N * 0.99);
  });

  it('lognormal: log of the values is normal(mu, sigma)', () => {
    const logs = nums(draw({ kind: 'lognormal', mu: 11, sigma: 0.8 })).map(Math.log);
    expect(Math.abs(mean(logs) - 11)).toBeLessThan(0.035);
    expect(Math.abs(sd(logs) - 0.8)).toBeLessThan(0.025);
  });

  it('uniform: values spread over the whole range, never outside it', () => {
    const xs = nums(draw({ kind: 'uniform', min: -3, max: 7 }));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...xs)).toBeLessThanOrEqual(7);
    expect(Math.min(...xs)).toBeLessThan(-2.99);
    expect(Math.max(...xs)).toBeGreaterThan(6.99);
    for (let bin = 0; bin < 10; bin++) expect(Math.abs(share(xs, (v) => Math.floor((v as number) + 3) === bin) - 0.1)).toBeLessThan(0.02);
  });
});

describe('integer, round, min and max are honoured on every value', () => {
  const cases: Array<{ name: string; field: Record<string, unknown>; check: (x: number) => boolean; bounds?: [number, number] }> = [
    { name: 'normal clamped to [-5, 5], integer', field: { kind: 'normal', mean: 0, sd: 10, min: -5, max: 5, integer: true }, check: (x) => Number.isInteger(x) && x >= -5 && x <= 5, bounds: [-5, 5] },
    { name: 'normal clamped to [18, 90]', field: { kind: 'normal', mean: 35, sd: 30, min: 18, max: 90 }, check: (x) => x >= 18 && x <= 90, bounds: [18, 90] },
    { name: 'uniform integer with fractional bounds stays inside them', field: { kind: 'uniform', min: 0.4, max: 9.5, integer: true }, check: (x) => Number.isInteger(x) && x >= 1 && x <= 9, bounds: [1, 9] },
    { name: 'lognormal rounded to 2 decimals', field: { kind: 'lognormal', mu: 4, sigma: 1, round: 2 }, check: (x) => /^\d+(\.\d{1,2})?$/.test(String(x)) },
    { name: 'exponential, max 1, round 1', field: { kind: 'exponential', rate: 2, max: 1, round: 1 }, check: (x) => x >= 0 && x <= 1 && /^\d(\.\d)?$/.test(String(x)), bounds: [0, 1] },
    { name: 'poisson with min 1 and max 6', field: { kind: 'poisson', lambda: 2.5, min: 1, max: 6 }, check: (x) => Number.isInteger(x) && x >= 1 && x <= 6, bounds: [1, 6] },
    { name: 'round 0 gives whole numbers', field: { kind: 'uniform', min: 1000, max: 250000, round: 0 }, check: (x) => Number.isInteger(x) && x >= 1000 && x <= 250000 },
    { name: 'no negative zero', field: { kind: 'normal', mean: 0, sd: 0.2, integer: true }, check: (x) => Number.isInteger(x) && !Object.is(x, -0) },
  ];

  it.each(cases)('$name', (c) => {
    const xs = nums(draw(c.field));
    const bad = xs.filter((x) => !c.check(x));
    expect(bad.slice(0, 5)).toEqual([]);
    if (c.bounds) {
      // Clamping, not rejection: the bounds themselves are reached.
      expect(xs).toContain(c.bounds[0]);
      expect(xs).toContain(c.bounds[1]);
    }
  });
});

describe('choice', () => {
  it('values: each equally likely, nothing else appears', () => {
    const vs = draw({ kind: 'choice', values: ['a', 'b', 'c', 'd'] });
    expect(new Set(vs)).toEqual(new Set(['a', 'b', 'c', 'd']));
    for (const v of ['a', 'b', 'c', 'd']) expect(Math.abs(share(vs, (x) => x === v) - 0.25)).toBeLessThan(0.02);
  });

  it('values keep their types (numbers, booleans)', () => {
    const vs = draw({ kind: 'choice', values: [1, 'two', true] }, 300);
    expect(new Set(vs)).toEqual(new Set([1, 'two', true]));
  });

  it('weights: proportions within ±0.02', () => {
    const weights = { free: 0.7, premium: 0.25, enterprise: 0.05 };
    const vs = draw({ kind: 'choice', weights });
    for (const [v, w] of Object.entries(weights)) expect(Math.abs(share(vs, (x) => x === v) - w)).toBeLessThan(0.02);
  });

  it('weights need not add up to 1; a zero weight never appears', () => {
    const vs = draw({ kind: 'choice', weights: { a: 3, never: 0, b: 1 } });
    expect(Math.abs(share(vs, (x) => x === 'a') - 0.75)).toBeLessThan(0.02);
    expect(Math.abs(share(vs, (x) => x === 'b') - 0.25)).toBeLessThan(0.02);
    expect(vs).not.toContain('never');
  });
});

describe('bool', () => {
  it.each([0.3, 0.85])('p = %s: share of true within ±0.02', (p) => {
    const vs = draw({ kind: 'bool', p });
    expect(vs.every((v) => typeof v === 'boolean')).toBe(true);
    expect(Math.abs(share(vs, (v) => v === true) - p)).toBeLessThan(0.02);
  });

  it('p defaults to 0.5; p 0 and p 1 are absolute', () => {
    expect(Math.abs(share(draw({ kind: 'bool' }), (v) => v === true) - 0.5)).toBeLessThan(0.02);
    expect(draw({ kind: 'bool', p: 0 }, 2000)).not.toContain(true);
    expect(draw({ kind: 'bool', p: 1 }, 2000)).not.toContain(false);
  });
});

describe('nullRate', () => {
  const cases: Array<[string, Record<string, unknown>, (v: unknown) => boolean]> = [
    ['normal', { kind: 'normal', mean: 0, sd: 1, nullRate: 0.1 }, (v) => typeof v === 'number'],
    ['faker', { kind: 'faker', method: 'person.firstName', nullRate: 0.25 }, (v) => typeof v === 'string' && v.length > 0],
    ['choice', { kind: 'choice', values: ['a', 'b'], nullRate: 0.5 }, (v) => v === 'a' || v === 'b'],
    ['uuid', { kind: 'uuid', nullRate: 0.05 }, (v) => typeof v === 'string'],
    ['date', { kind: 'date', from: '2020-01-01', to: '2020-12-31', nullRate: 0.3 }, (v) => typeof v === 'string'],
    ['object', { kind: 'object', fields: { a: { kind: 'uuid' } }, nullRate: 0.2 }, (v) => typeof v === 'object' && v !== null && typeof (v as DataRecord).a === 'string'],
  ];

  it.each(cases)('%s: null in the requested share of records, a real value otherwise', (_name, field, valid) => {
    const vs = draw(field);
    expect(Math.abs(share(vs, (v) => v === null) - (field.nullRate as number))).toBeLessThan(0.02);
    expect(vs.filter((v) => v !== null).every(valid)).toBe(true);
  });

  it('applies to the elements of an array', () => {
    const arrays = draw({ kind: 'array', min: 5, max: 5, of: { kind: 'bool', nullRate: 0.4 } }) as unknown[][];
    const elements = arrays.flat();
    expect(elements).toHaveLength(5 * N);
    expect(Math.abs(share(elements, (v) => v === null) - 0.4)).toBeLessThan(0.02);
  });

  it('nulls and values come from separate streams: nulls do not thin out part of the distribution', () => {
    const vs = draw({ kind: 'uniform', min: 0, max: 1, nullRate: 0.5 }).filter((v) => v !== null) as number[];
    expect(Math.abs(mean(vs) - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(share(vs, (v) => (v as number) < 0.5) - 0.5)).toBeLessThan(0.03);
  });
});

describe('date and datetime', () => {
  it('date: ISO yyyy-mm-dd, inside [from, to], every day reachable', () => {
    const vs = draw({ kind: 'date', from: '2020-01-01', to: '2020-12-31' }) as string[];
    expect(vs.filter((v) => !/^\d{4}-\d{2}-\d{2}$/.test(v))).toEqual([]);
    expect(vs.filter((v) => v < '2020-01-01' || v > '2020-12-31')).toEqual([]);
    expect(vs.every((v) => new Date(`${v}T00:00:00Z`).toISOString().startsWith(v))).toBe(true);
    // 2020 is a leap year: 366 days, both ends included.
    expect(new Set(vs).size).toBe(366);
  });

  it('datetime: ISO-8601 UTC to the second, inside [from, to], spread over the range', () => {
    const from = Date.parse('2024-03-01T00:00:00Z');
    const to = Date.parse('2024-03-08T00:00:00Z');
    const vs = draw({ kind: 'datetime', from: '2024-03-01T00:00:00Z', to: '2024-03-08T00:00:00Z' }) as string[];
    expect(vs.filter((v) => !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v))).toEqual([]);
    const ts = vs.map((v) => Date.parse(v));
    expect(ts.filter((t) => !(t >= from && t <= to))).toEqual([]);
    expect(Math.abs(mean(ts) - (from + to) / 2) / (to - from)).toBeLessThan(0.01);
    expect(new Set(vs).size).toBeGreaterThan(N * 0.99);
  });

  it('hands over the instant each date text names, as Date.parse reads it (the report takes it instead of parsing)', () => {
    const spec = validateSpec({
      seed: 3,
      datasets: [
        {
          name: 'p', count: 500, fields: {
            id: { kind: 'sequence', start: 1 },
            day: { kind: 'date', from: '1969-12-01', to: '2030-12-31' },
            maybe: { kind: 'date', from: '1969-12-01', to: '2030-12-31', nullRate: 0.2 },
            at: { kind: 'datetime', from: '2024-03-01T00:00:00Z', to: '2024-11-08T00:00:00Z' },
            local: { kind: 'datetime', from: '2024-03-01T00:00:00Z', to: '2024-11-08T00:00:00Z', tz: 'America/St_Johns' },
            q: { kind: 'empirical', quantiles: ['2021-01-01T00:00:00Z', '2021-06-30T12:34:56Z', '2022-01-01T00:00:00Z'] },
            inner: { kind: 'object', fields: { d: { kind: 'date', from: '2000-02-27', to: '2000-03-02' } } },
          },
        },
        {
          name: 'c', fields: {
            pid: { kind: 'ref', dataset: 'p', field: 'id', perParent: { kind: 'uniform', min: 1, max: 3 } },
            later: { kind: 'date', from: '1960-01-01', to: '2031-12-31', after: 'p.day' },
            seen: { kind: 'datetime', from: '2024-01-01T00:00:00Z', to: '2024-12-31T00:00:00Z', after: 'p.at', tz: 'Europe/Berlin', weights: { hour: Array.from({ length: 24 }, (_, h) => 1 + (h % 5)) } },
          },
        },
      ],
    }, 't.yaml', 'test', { env: {} }).spec;
    resolveChildCounts(spec);
    const parent = new CompiledDataset(spec, 0);
    const child = new CompiledDataset(spec, 1);
    const parents = Array.from({ length: 500 }, (_, i) => parent.generate(i));
    child.setRefColumns(Object.fromEntries(['id', 'day', 'at'].map((f) => [`p.${f}`, SharedColumn.from(parents.map((r) => r[f])).data])));
    let written = 0;
    const check = (ds: CompiledDataset, r: DataRecord, paths: string[]) => {
      for (const p of paths) {
        const node = ds.nodes.find((n) => n.path === p)!;
        const v = node.segments.reduce<unknown>((o, k) => (o as DataRecord)[k], r);
        if (typeof v !== 'string') continue;
        written++;
        expect([p, v, ds.instantOf(node.id)]).toEqual([p, v, Date.parse(v)]);
      }
    };
    parents.forEach((_, i) => check(parent, parent.generate(i), ['day', 'maybe', 'at', 'local', 'q', 'inner.d']));
    for (let i = 0; i < spec.datasets[1]!.count; i++) check(child, child.generate(i), ['later', 'seen']);
    expect(written).toBeGreaterThan(4_000);
    // A field that writes no date has no instant.
    expect(parent.instantOf(parent.nodes.find((n) => n.path === 'inner')!.id)).toBeNaN();
  });
});

describe('sequence', () => {
  it.each([
    [{ kind: 'sequence' }, (i: number) => 1 + i],
    [{ kind: 'sequence', start: 100, step: 5 }, (i: number) => 100 + 5 * i],
    [{ kind: 'sequence', start: 0, step: -3 }, (i: number) => 0 - 3 * i],
  ])('%o: record i has start + i·step, whatever order records are generated in', (field, expected) => {
    const ds = compile({ x: field }, { count: 200_000 });
    for (const i of [123_456, 0, 1, 2, 9_999, 7]) expect(ds.generate(i).x).toBe(expected(i));
  });
});

describe('uuid', () => {
  it('is RFC 4122 version 4 and unique over 10,000 records', () => {
    const vs = draw({ kind: 'uuid' }) as string[];
    expect(vs.filter((v) => !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(v))).toEqual([]);
    expect(new Set(vs).size).toBe(N);
  });
});

describe('template', () => {
  it('fills {{field}} from the same record; lower and upper change the case', () => {
    const recs = records({
      email: { kind: 'template', template: '{{first}}.{{last}}@Example.com', lower: true },
      shout: { kind: 'template', template: 'hi {{first}} #{{n}}', upper: true },
      first: { kind: 'faker', method: 'person.firstName' },
      last: { kind: 'faker', method: 'person.lastName' },
      n: { kind: 'sequence', start: 7 },
    }, 500);
    recs.forEach((r, i) => {
      expect(r.email).toBe(`${String(r.first)}.${String(r.last)}@example.com`.toLowerCase());
      expect(r.shout).toBe(`HI ${String(r.first).toUpperCase()} #${7 + i}`);
    });
    expect(new Set(recs.map((r) => r.email)).size).toBeGreaterThan(400);
  });

  it('reads nested paths ({{address.city}}); a null field renders as empty text', () => {
    const recs = records({
      label: { kind: 'template', template: '{{name}} from {{address.city}} ({{address.zip}})' },
      name: { kind: 'faker', method: 'person.firstName' },
      address: { kind: 'object', fields: { city: { kind: 'faker', method: 'location.city' }, zip: { kind: 'choice', values: ['12345'], nullRate: 0.5 } } },
    }, 500);
    for (const r of recs) {
      const a = r.address as DataRecord;
      expect(r.label).toBe(`${String(r.name)} from ${String(a.city)} (${a.zip === null ? '' : '12345'})`);
    }
    expect(recs.some((r) => (r.label as string).endsWith('()'))).toBe(true);
    expect(recs.some((r) => (r.label as string).endsWith('(12345)'))).toBe(true);
  });
});

describe('object', () => {
  it('nests fields and keeps spec key order, even when generation order differs', () => {
    const recs = records({
      greeting: { kind: 'template', template: 'Dear {{person.title}} {{person.last}}' },
      person: {
        kind: 'object',
        fields: {
          last: { kind: 'faker', method: 'person.lastName' },
          title: { kind: 'choice', values: ['Dr', 'Ms'] },
          contact: { kind: 'object', fields: { phone: { kind: 'faker', method: 'phone.number' }, ok: { kind: 'bool' } } },
        },
      },
      id: { kind: 'uuid' },
    }, 200);
    for (const r of recs) {
      expect(Object.keys(r)).toEqual(['greeting', 'person', 'id']);
      const p = r.person as DataRecord;
      expect(Object.keys(p)).toEqual(['last', 'title', 'contact']);
      expect(Object.keys(p.contact as DataRecord)).toEqual(['phone', 'ok']);
      expect(r.greeting).toBe(`Dear ${String(p.title)} ${String(p.last)}`);
      expect(JSON.stringify(r).indexOf('"greeting"')).toBe(1);
    }
  });

  it('inside an array, each element is an object with the spec keys in order', () => {
    const arrays = draw({ kind: 'array', min: 1, max: 3, of: { kind: 'object', fields: { sku: { kind: 'uuid' }, qty: { kind: 'poisson', lambda: 2, min: 1 } } } }, 300) as DataRecord[][];
    for (const a of arrays) for (const el of a) {
      expect(Object.keys(el)).toEqual(['sku', 'qty']);
      expect(el.qty as number).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('array', () => {
  it('length between min and max, every length used; elements drawn independently from `of`', () => {
    const arrays = draw({ kind: 'array', min: 2, max: 4, of: { kind: 'choice', values: ['a', 'b', 'c'] } }) as string[][];
    for (const len of [2, 3, 4]) expect(Math.abs(share(arrays, (a) => (a as unknown[]).length === len) - 1 / 3)).toBeLessThan(0.03);
    const elements = arrays.flat();
    for (const v of ['a', 'b', 'c']) expect(Math.abs(share(elements, (x) => x === v) - 1 / 3)).toBeLessThan(0.02);
    // Elements are not one value repeated: 3 values, 2..4 elements → mostly mixed.
    expect(share(arrays, (a) => new Set(a as unknown[]).size > 1)).toBeGreaterThan(0.7);
  });

  it('min = max fixes the length; max 0 gives empty arrays', () => {
    expect((draw({ kind: 'array', min: 3, max: 3, of: { kind: 'uuid' } }, 500) as unknown[][]).every((a) => a.length === 3)).toBe(true);
    expect(draw({ kind: 'array', max: 0, of: { kind: 'uuid' } }, 100)).toEqual(Array.from({ length: 100 }, () => []));
  });
});

describe('ref', () => {
  /** A `refs` dataset after a `customers` dataset that has `id` and `email`. */
  const compileRef = (fields: Record<string, unknown>): CompiledDataset => {
    const customers = { name: 'customers', count: 10, fields: { id: { kind: 'sequence' }, email: { kind: 'uuid' } } };
    const raw = { seed: 42, datasets: [customers, { name: 'refs', count: N, fields }] };
    return new CompiledDataset(validateSpec(raw, 't.yaml', 'test', { env: {} }).spec, 1);
  };

  it('every value is one of the referenced column, and the whole column is used', () => {
    const ds = compileRef({ customerId: { kind: 'ref', dataset: 'customers', field: 'id' } });
    const ids = Array.from({ length: 50 }, (_, j) => 1000 + 7 * j);
    ds.setRefColumns({ 'customers.id': SharedColumn.from(ids).data });
    const vs = Array.from({ length: 5000 }, (_, i) => ds.generate(i).customerId);
    expect(vs.filter((v) => !ids.includes(v as number))).toEqual([]);
    expect(new Set(vs).size).toBe(50);
  });

  it('string values (shared as JSON) come back as written', () => {
    const ds = compileRef({ email: { kind: 'ref', dataset: 'customers', field: 'email' } });
    const emails = ['a@x.com', 'b "q"@x.com', 'ü@x.com'];
    ds.setRefColumns({ 'customers.email': SharedColumn.from(emails).data });
    const vs = Array.from({ length: 300 }, (_, i) => ds.generate(i).email);
    expect(new Set(vs)).toEqual(new Set(emails));
  });

  it('an empty referenced column is an error naming the ref, not a record of nulls', () => {
    const ds = compileRef({ customerId: { kind: 'ref', dataset: 'customers', field: 'id' } });
    ds.setRefColumns({ 'customers.id': SharedColumn.from([]).data });
    expect(() => ds.generate(0)).toThrow(SpecError);
    expect(() => ds.generate(0)).toThrow('ref customers.id: the referenced dataset has no written values to point at');
  });
});

describe('correlate (Gaussian copula)', () => {
  it.each([0.5, -0.7])('normal fields: Pearson r within ±0.05 of %s over 10,000 records; marginals unchanged', (r) => {
    const recs = records({
      x: { kind: 'normal', mean: 50, sd: 10 },
      y: { kind: 'normal', mean: -3, sd: 2, correlate: { with: 'x', r } },
    });
    const xs = recs.map((rec) => rec.x as number);
    const ys = recs.map((rec) => rec.y as number);
    expect(Math.abs(pearson(xs, ys) - r)).toBeLessThan(0.05);
    expect(Math.abs(mean(ys) + 3)).toBeLessThan(0.1);
    expect(Math.abs(sd(ys) - 2)).toBeLessThan(0.08);
  });

  it('works when the field it follows comes later in the spec', () => {
    const recs = records({
      y: { kind: 'normal', mean: 0, sd: 1, correlate: { with: 'x', r: 0.5 } },
      x: { kind: 'normal', mean: 0, sd: 1 },
    });
    expect(Object.keys(recs[0]!)).toEqual(['y', 'x']);
    expect(Math.abs(pearson(recs.map((r) => r.x as number), recs.map((r) => r.y as number)) - 0.5)).toBeLessThan(0.05);
  });

  it('a list of partners: every target holds at once, through a chain of correlates too', () => {
    const recs = records({
      x: { kind: 'normal', mean: 0, sd: 1 },
      y: { kind: 'normal', mean: 0, sd: 1, correlate: { with: 'x', r: 0.6 } },
      // With y alone as its partner, z~x would follow the chain: 0.7 × 0.6 = 0.42, not 0.2.
      z: { kind: 'normal', mean: 10, sd: 3, correlate: [{ with: 'y', r: 0.7 }, { with: 'x', r: 0.2 }] },
    });
    const col = (k: string) => recs.map((r) => r[k] as number);
    expect(Math.abs(pearson(col('x'), col('y')) - 0.6)).toBeLessThan(0.05);
    expect(Math.abs(pearson(col('z'), col('y')) - 0.7)).toBeLessThan(0.05);
    expect(Math.abs(pearson(col('z'), col('x')) - 0.2)).toBeLessThan(0.05);
    expect(Math.abs(sd(col('z')) - 3)).toBeLessThan(0.1);
  });

  it('two independent partners, and a lognormal: each r as asked', () => {
    const recs = records({
      a: { kind: 'normal', mean: 0, sd: 1 },
      b: { kind: 'normal', mean: 0, sd: 1 },
      c: { kind: 'normal', mean: 0, sd: 1, correlate: [{ with: 'a', r: 0.5 }, { with: 'b', r: -0.5 }] },
    });
    const col = (k: string) => recs.map((r) => r[k] as number);
    expect(Math.abs(pearson(col('c'), col('a')) - 0.5)).toBeLessThan(0.05);
    expect(Math.abs(pearson(col('c'), col('b')) + 0.5)).toBeLessThan(0.05);
    expect(Math.abs(pearson(col('a'), col('b')))).toBeLessThan(0.05);
  });

  it('one partner in a list draws the same values as the object form', () => {
    const one = records({ x: { kind: 'normal', mean: 0, sd: 1 }, y: { kind: 'lognormal', mu: 1, sigma: 0.5, correlate: { with: 'x', r: 0.4 } } });
    const list = records({ x: { kind: 'normal', mean: 0, sd: 1 }, y: { kind: 'lognormal', mu: 1, sigma: 0.5, correlate: [{ with: 'x', r: 0.4 }] } });
    expect(list).toEqual(one);
  });

  it('uncorrelated fields stay uncorrelated', () => {
    const recs = records({ x: { kind: 'normal', mean: 0, sd: 1 }, y: { kind: 'normal', mean: 0, sd: 1 } });
    expect(Math.abs(pearson(recs.map((r) => r.x as number), recs.map((r) => r.y as number)))).toBeLessThan(0.05);
  });
});

describe('determinism of a record', () => {
  const fields = {
    id: { kind: 'uuid' },
    name: { kind: 'faker', method: 'person.fullName' },
    age: { kind: 'normal', mean: 40, sd: 9, integer: true },
    tags: { kind: 'array', min: 0, max: 4, of: { kind: 'choice', values: ['a', 'b'] } },
  };

  it('record i is the same whichever instance builds it and in whatever order', () => {
    const a = compile(fields);
    const b = compile(fields);
    const forward = [0, 1, 2, 500, 9999].map((i) => a.generate(i));
    const backward = [9999, 500, 2, 1, 0].map((i) => b.generate(i)).reverse();
    expect(backward).toEqual(forward);
  });

  it('a different seed gives different records', () => {
    const a = records(fields, 20, 1);
    const b = records(fields, 20, 2);
    expect(a.filter((r, i) => r.id === b[i]!.id)).toEqual([]);
  });
});
