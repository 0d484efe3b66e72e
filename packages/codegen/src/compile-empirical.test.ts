import { describe, expect, it } from 'vitest';
import { validateSpec } from '@synthfarm/spec';
import { CompiledDataset } from './compile-dataset.js';

const N = 20_000;

function values(fields: Record<string, unknown>, field = 'x', n = N, seed = 42): unknown[] {
  const spec = validateSpec({ seed, datasets: [{ name: 't', count: n, fields }] }, 't.yaml', 'test', { env: {} }).spec;
  const ds = new CompiledDataset(spec, 0);
  return Array.from({ length: n }, (_, i) => ds.generate(i)[field]);
}

/** Share of xs at or below v. */
const cdf = (xs: number[], v: number) => xs.filter((x) => x <= v).length / xs.length;

describe('empirical: quantiles', () => {
  it('numbers: inverse CDF with linear interpolation hits each quantile (±0.02)', () => {
    const q = [0, 10, 12, 13, 100]; // quartiles of a skewed distribution
    const xs = values({ x: { kind: 'empirical', quantiles: q } }) as number[];
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(100);
    for (const [i, v] of q.entries()) if (i > 0 && i < q.length - 1) expect(Math.abs(cdf(xs, v) - i / (q.length - 1))).toBeLessThan(0.02);
    // linear between quantiles: half of the top quarter is below 56.5
    expect(Math.abs(cdf(xs, 56.5) - 0.875)).toBeLessThan(0.02);
  });

  it('integer and round are honoured', () => {
    const ints = values({ x: { kind: 'empirical', quantiles: [1, 2.5, 9], integer: true } }) as number[];
    expect(ints.every(Number.isInteger)).toBe(true);
    const cents = values({ x: { kind: 'empirical', quantiles: [1, 2.5, 9], round: 2 } }) as number[];
    expect(cents.every((v) => Math.round(v * 100) / 100 === v)).toBe(true);
    expect(new Set(cents).size).toBeGreaterThan(100);
  });

  it('dates: YYYY-MM-DD between the first and last quantile, median where the quantile says', () => {
    const ds = values({ x: { kind: 'empirical', quantiles: ['2001-01-01', '2020-01-01', '2020-12-31'] } }) as string[];
    expect(ds.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d >= '2001-01-01' && d <= '2020-12-31')).toBe(true);
    expect(Math.abs(ds.filter((d) => d < '2020-01-01').length / ds.length - 0.5)).toBeLessThan(0.02);
  });

  it('datetimes keep their seconds', () => {
    const ds = values({ x: { kind: 'empirical', quantiles: ['2020-01-01T00:00:00Z', '2020-01-02T00:00:00Z'] } }, 'x', 100) as string[];
    expect(ds.every((d) => /^2020-01-0[12]T\d{2}:\d{2}:\d{2}Z$/.test(d))).toBe(true);
  });

  it('correlate: a Gaussian-copula correlation with another empirical field', () => {
    const spec = validateSpec({ seed: 1, datasets: [{ name: 't', count: N, fields: {
      a: { kind: 'empirical', quantiles: [0, 1, 2, 3, 4] },
      b: { kind: 'empirical', quantiles: [10, 20, 30, 40, 50], correlate: { with: 'a', r: 0.8 } },
    } }] }, 't.yaml', 'test', { env: {} }).spec;
    const ds = new CompiledDataset(spec, 0);
    const recs = Array.from({ length: N }, (_, i) => ds.generate(i));
    const xs = recs.map((r) => r.a as number);
    const ys = recs.map((r) => r.b as number);
    const m = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const mx = m(xs);
    const my = m(ys);
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < N; i++) { sxy += (xs[i]! - mx) * (ys[i]! - my); sxx += (xs[i]! - mx) ** 2; syy += (ys[i]! - my) ** 2; }
    const r = sxy / Math.sqrt(sxx * syy);
    expect(r).toBeGreaterThan(0.7);
    expect(r).toBeLessThan(0.85);
  });

  it('nullRate and unique work like every kind', () => {
    const vs = values({ x: { kind: 'empirical', quantiles: [0, 1e9], integer: true, nullRate: 0.1, unique: true } }, 'x', 5000);
    expect(Math.abs(vs.filter((v) => v === null).length / vs.length - 0.1)).toBeLessThan(0.02);
    const nonNull = vs.filter((v) => v !== null);
    expect(new Set(nonNull).size).toBe(nonNull.length);
  });

  it('is deterministic: same seed, same values; another seed, other values', () => {
    const f = { x: { kind: 'empirical', quantiles: [0, 5, 100] } };
    expect(values(f, 'x', 500, 7)).toEqual(values(f, 'x', 500, 7));
    expect(values(f, 'x', 500, 8)).not.toEqual(values(f, 'x', 500, 7));
  });
});

describe('empirical: weights', () => {
  it('observed proportions within ±0.02, values typed as declared', () => {
    const vs = values({ x: { kind: 'empirical', type: 'number', weights: { '1': 6, '2': 3, '10': 1 } } });
    expect(new Set(vs)).toEqual(new Set([1, 2, 10]));
    expect(Math.abs(vs.filter((v) => v === 1).length / N - 0.6)).toBeLessThan(0.02);
    expect(Math.abs(vs.filter((v) => v === 10).length / N - 0.1)).toBeLessThan(0.02);
    const strs = values({ x: { kind: 'empirical', weights: { UK: 1, FR: 1 } } }, 'x', 100);
    expect(strs.every((v) => v === 'UK' || v === 'FR')).toBe(true);
  });
});

describe('empirical: bad specs name the path and the rule', () => {
  const bad = (x: unknown) => () => validateSpec({ datasets: [{ name: 't', count: 1, fields: { x } }] }, 't.yaml', 'test', { env: {} });
  it.each([
    [{ kind: 'empirical' }, 'datasets[0].fields.x: needs exactly one of quantiles or weights'],
    [{ kind: 'empirical', quantiles: [3, 1] }, 'datasets[0].fields.x.quantiles[1]: quantiles must be in ascending order'],
    [{ kind: 'empirical', quantiles: [1, '2020-01-01'] }, 'datasets[0].fields.x.quantiles: must be all numbers or all ISO-8601 dates'],
    [{ kind: 'empirical', type: 'number', weights: { a: 1 } }, 'datasets[0].fields.x.weights.a: is not a number (type: number)'],
  ])('%o', (f, message) => {
    expect(bad(f)).toThrow(message);
  });
});
