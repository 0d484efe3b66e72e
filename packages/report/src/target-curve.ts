import type { Bins, ColumnPlan, Target } from './column-plan.js';

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** P(X ≤ x) of a target before clamping. */
function cdf(t: Target, x: number): number {
  switch (t.kind) {
    case 'normal':
      return normalCdf((x - t.mean) / t.sd);
    case 'lognormal':
      return x <= 0 ? 0 : normalCdf((Math.log(x) - t.mu) / t.sigma);
    case 'uniform':
      return x <= t.min ? 0 : x >= t.max ? 1 : (x - t.min) / (t.max - t.min || 1);
    case 'exponential':
      return x <= 0 ? 0 : 1 - Math.exp(-t.rate * x);
    case 'poisson':
      return poissonCdf(t.lambda, Math.floor(x));
    case 'quantiles': {
      const q = t.values;
      if (x <= q[0]!) return 0;
      if (x >= q[q.length - 1]!) return 1;
      let i = 1;
      while (q[i]! < x) i++;
      const a = q[i - 1]!;
      const b = q[i]!;
      return (i - 1 + (b > a ? (x - a) / (b - a) : 1)) / (q.length - 1);
    }
  }
}

function poissonCdf(lambda: number, k: number): number {
  if (k < 0) return 0;
  // A normal approximation with continuity correction once exact sums would be long.
  if (lambda > 500) return normalCdf((k + 0.5 - lambda) / Math.sqrt(lambda));
  let p = Math.exp(-lambda);
  let sum = p;
  for (let i = 1; i <= k; i++) {
    p *= lambda / i;
    sum += p;
  }
  return Math.min(1, sum);
}

/**
 * The share of values the spec's target puts in each bin, with the mass the spec's `min`/`max`
 * clamp piled into the edge bins as the generator does. Undefined without a target or bins.
 */
export function expectedShares(c: ColumnPlan): number[] | undefined {
  if ((c.type !== 'number' && c.type !== 'date') || !c.target || !c.bins) return undefined;
  const t = c.target;
  const b: Bins = c.bins;
  const lo = c.type === 'number' && c.min !== undefined ? c.min : -Infinity;
  const hi = c.type === 'number' && c.max !== undefined ? c.max : Infinity;
  const F = (x: number) => (x < lo ? 0 : x >= hi ? 1 : cdf(t, x));
  const out: number[] = [];
  for (let k = 0; k < b.n; k++) {
    const a = b.lo + k * b.width;
    const z = a + b.width;
    // Mass clamped up to `min` lands in the first bin; below an unclamped first bin it is `under`.
    out.push(Math.max(0, F(z) - (k === 0 && lo > -Infinity ? 0 : F(a))));
  }
  return out;
}
