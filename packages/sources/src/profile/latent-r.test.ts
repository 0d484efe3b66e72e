import { describe, expect, it } from 'vitest';
import { latentR, type Marginal } from './latent-r.js';

/** A seeded stream of standard normal pairs with latent correlation rho (Box–Muller on mulberry32). */
function pairs(rho: number, n: number, seed = 7): Array<[number, number]> {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const th = 2 * Math.PI * u();
    const z1 = r * Math.cos(th);
    const z2 = r * Math.sin(th);
    out.push([z1, rho * z1 + Math.sqrt(1 - rho * rho) * z2]);
  }
  return out;
}

/** The value the generator writes for latent z (compile-empirical: quantiles interpolated at Φ(z)). */
function value(m: Marginal, z: number): number {
  const cdf = 0.5 * (1 + erf(z / Math.SQRT2));
  const last = m.quantiles.length - 1;
  const pos = cdf * last;
  const i = Math.min(Math.floor(pos), last - 1);
  const x = m.quantiles[i]! + (m.quantiles[i + 1]! - m.quantiles[i]!) * (pos - i);
  return m.integer ? Math.round(x) : x;
}

function erf(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : -y;
}

function pearson(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
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

/** Percentiles 0..100 of a lognormal (mu 3, sigma 0.9): a price-like, right-skewed column. */
const skewed: Marginal = { quantiles: Array.from({ length: 101 }, (_, p) => Math.exp(3 + 0.9 * probit(Math.min(0.999, Math.max(0.001, p / 100))))), integer: false };
const small: Marginal = { quantiles: [1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 8], integer: true };
const normal: Marginal = { quantiles: Array.from({ length: 101 }, (_, p) => 50 + 10 * probit(Math.min(0.999, Math.max(0.001, p / 100)))), integer: false };

function probit(p: number): number {
  let lo = -8;
  let hi = 8;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (0.5 * (1 + erf(mid / Math.SQRT2)) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('latentR: the latent r whose values correlate as the source did', () => {
  it.each([
    ['two skewed columns', skewed, skewed, 0.55],
    ['a skewed and a small-integer column', skewed, small, 0.45],
    ['negatively', skewed, small, -0.4],
  ])('%s: drawn through the copula at the latent r, the values come out at the target (±0.03)', (_, a, b, target) => {
    const rho = latentR(target, a, b);
    expect(Math.abs(rho)).toBeGreaterThan(Math.abs(target));
    const zs = pairs(rho, 40_000);
    expect(Math.abs(pearson(zs.map(([x]) => value(a, x)), zs.map(([, y]) => value(b, y))) - target)).toBeLessThan(0.03);
  });

  it('normal columns keep their r: the latent is the value', () => {
    expect(latentR(0.6, normal, normal)).toBeCloseTo(0.6, 1);
  });

  it('a target the marginals cannot reach gives the nearest end; a constant column gives the target', () => {
    expect(latentR(0.999, skewed, small)).toBe(0.99);
    expect(latentR(0.5, { quantiles: [3], integer: false }, skewed)).toBe(0.5);
  });
});
