import { describe, expect, it } from 'vitest';
import { CompiledDataset } from '@synthfarm/codegen/generator';
import { validateSpec } from '@synthfarm/spec';
import { latentR, type Marginal } from './latent-r.js';

/** n records of `fields`, made by the generator itself. */
function generate(fields: Record<string, unknown>, n: number): Array<Record<string, unknown>> {
  const ds = new CompiledDataset(validateSpec({ seed: 7, datasets: [{ name: 't', count: n, fields }] }, 't.yaml', 'test', { env: {} }).spec, 0);
  return Array.from({ length: n }, (_, i) => ds.generate(i));
}

/** Percentiles 0..100 of a field's generated values: what a profile of such a column would keep. */
function percentiles(field: Record<string, unknown>): number[] {
  const xs = generate({ v: field }, 20_000).map((r) => r.v as number).sort((a, b) => a - b);
  return Array.from({ length: 101 }, (_, p) => xs[Math.min(xs.length - 1, Math.round((p / 100) * (xs.length - 1)))]!);
}

function pearson(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** A price-like, right-skewed column; a small-count column; a normal one. */
const skewed: Marginal = { quantiles: percentiles({ kind: 'lognormal', mu: 3, sigma: 0.9, round: 2 }), round: 2 };
const small: Marginal = { quantiles: percentiles({ kind: 'poisson', lambda: 2.5, min: 1 }), integer: true };
const normal: Marginal = { quantiles: percentiles({ kind: 'normal', mean: 50, sd: 10 }), round: 4 };

describe('latentR: the latent r whose values correlate as the source did', () => {
  it.each([
    ['two skewed columns', skewed, skewed, 0.55],
    ['a skewed and a small-integer column', skewed, small, 0.45],
    ['negatively', skewed, small, -0.4],
  ])('%s: generated with that r, the values come out at the target (±0.03)', (_, a, b, target) => {
    const rho = latentR(target, a, b);
    expect(Math.abs(rho)).toBeGreaterThan(Math.abs(target));
    const recs = generate({ a: { kind: 'empirical', ...a }, b: { kind: 'empirical', ...b, correlate: { with: 'a', r: rho } } }, 40_000);
    expect(Math.abs(pearson(recs.map((r) => r.a as number), recs.map((r) => r.b as number)) - target)).toBeLessThan(0.03);
  });

  it('normal columns keep their r: the latent is the value', () => {
    expect(latentR(0.6, normal, normal)).toBeCloseTo(0.6, 1);
  });

  it('a target the marginals cannot reach gives the nearest end; a constant column gives the target', () => {
    expect(latentR(0.999, skewed, small)).toBe(0.99);
    expect(latentR(0.5, { quantiles: [3, 3] }, skewed)).toBe(0.5);
  });
});
