import { empiricalValue } from '@synthfarm/codegen/empirical-draw';

/**
 * The latent correlation that gives two profiled columns their observed Pearson r.
 *
 * The generator draws an `empirical` field through a standard-normal latent (a Gaussian copula):
 * x = at(Φ(z)), `at` interpolating the spec's quantiles (codegen's empiricalValue, used here as is).
 * The r a spec's `correlate` names is the latents' correlation, and skewed marginals (prices,
 * totals) weaken it on the way to the values: a latent r of 0.65 between two such columns came out
 * 0.54 between their values. So the profile writes the latent r whose values correlate as the
 * source's do (NORTA: Cario & Nelson 1997), found by bisection on E[g₁(Z₁)·g₂(Z₂)], computed by
 * quadrature over the bivariate normal.
 */

/** A profiled numeric column as the spec writes it: quantiles, and integer or decimal rounding. */
export interface Marginal {
  quantiles: readonly number[];
  integer?: boolean;
  round?: number;
}

/** Quadrature nodes over the standard normal: z in [-6, 6], weights φ(z)·h normalized to 1. */
const STEP = 0.12;
const Z: number[] = [];
const W: number[] = [];
for (let z = -6; z <= 6 + 1e-9; z += STEP) Z.push(z);
{
  const raw = Z.map((z) => Math.exp((-z * z) / 2));
  const total = raw.reduce((a, b) => a + b, 0);
  for (const w of raw) W.push(w / total);
}

/** Largest |r| written: the generator needs |r| < 1. */
const MAX_R = 0.99;

/**
 * The latent r (rounded to 4 places, within ±0.99) for which the two marginals' values correlate by
 * `target`; the nearest end when no latent r reaches it (marginals bound what Pearson r can be).
 */
export function latentR(target: number, a: Marginal, b: Marginal): number {
  const ga = empiricalValue(a);
  const gb = empiricalValue(b);
  const [ma, sa] = moments(ga);
  const [mb, sb] = moments(gb);
  // A (nearly) constant column has no correlation to calibrate.
  if (!(sa > 1e-6 * (1 + Math.abs(ma))) || !(sb > 1e-6 * (1 + Math.abs(mb)))) return round4(clamp(target));
  const ya = Z.map(ga);
  const valueR = (rho: number): number => {
    const s = Math.sqrt(1 - rho * rho);
    let e = 0;
    for (let i = 0; i < Z.length; i++) {
      let inner = 0;
      for (let j = 0; j < Z.length; j++) inner += W[j]! * gb(rho * Z[i]! + s * Z[j]!);
      e += W[i]! * ya[i]! * inner;
    }
    return (e - ma * mb) / (sa * sb);
  };
  let lo = -MAX_R;
  let hi = MAX_R;
  if (target >= valueR(hi)) return hi;
  if (target <= valueR(lo)) return lo;
  for (let k = 0; k < 30 && hi - lo > 1e-5; k++) {
    const mid = (lo + hi) / 2;
    if (valueR(mid) < target) lo = mid;
    else hi = mid;
  }
  return round4((lo + hi) / 2);
}

function moments(g: (z: number) => number): [mean: number, sd: number] {
  let m = 0;
  let m2 = 0;
  for (let i = 0; i < Z.length; i++) {
    const y = g(Z[i]!);
    m += W[i]! * y;
    m2 += W[i]! * y * y;
  }
  return [m, Math.sqrt(Math.max(0, m2 - m * m))];
}

const clamp = (r: number) => Math.max(-MAX_R, Math.min(MAX_R, r));
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
