/**
 * Kolmogorov–Smirnov distance between two distributions given by equally spaced quantiles
 * (minimum first, maximum last): the largest gap between their CDFs, each CDF read off its
 * quantiles with linear interpolation and evaluated at every quantile of both.
 */
export function ksFromQuantiles(a: number[], b: number[]): number {
  if (a.length < 2 || b.length < 2) return a.length === b.length ? 0 : 1;
  let d = 0;
  for (const x of [...a, ...b]) d = Math.max(d, Math.abs(cdfAt(a, x) - cdfAt(b, x)));
  return d;
}

/** CDF at x of the distribution whose equally spaced quantiles are q. */
export function cdfAt(q: number[], x: number): number {
  const m = q.length - 1;
  if (x < q[0]!) return 0;
  if (x >= q[m]!) return 1;
  // Largest i with q[i] <= x (ties: a flat run of quantiles is a point mass; take its top).
  let lo = 0;
  let hi = m;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (q[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  const i = lo;
  const span = q[i + 1]! - q[i]!;
  const frac = span > 0 ? (x - q[i]!) / span : 0;
  return (i + frac) / m;
}

/** Total variation distance between two count maps: half the sum of |p - q| over their values. */
export function tvd(a: Record<string, number>, b: Record<string, number>): number {
  const ta = Object.values(a).reduce((s, n) => s + n, 0) || 1;
  const tb = Object.values(b).reduce((s, n) => s + n, 0) || 1;
  let sum = 0;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) sum += Math.abs((a[k] ?? 0) / ta - (b[k] ?? 0) / tb);
  return sum / 2;
}
