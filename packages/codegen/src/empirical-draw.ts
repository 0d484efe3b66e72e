import { clampRound, type ClampRound } from './clamp-round.js';
import { normalCdf } from './distributions.js';

/**
 * A quantile list's inverse CDF: u in [0, 1] interpolated linearly between neighbouring quantiles
 * (equally spaced, minimum first and maximum last; PostgreSQL's `percentile_cont`). At least 2.
 */
export function quantileAt(xs: readonly number[]): (u: number) => number {
  const last = xs.length - 1;
  return (u) => {
    const pos = u * last;
    const i = Math.min(Math.floor(pos), last - 1);
    return xs[i]! + (xs[i + 1]! - xs[i]!) * (pos - i);
  };
}

/**
 * The value a numeric `empirical` field writes for its standard-normal latent z: its quantiles at
 * Φ(z), then integer / round / min / max. What `synthfarm profile` calibrates correlations against.
 */
export function empiricalValue(f: ClampRound & { quantiles: readonly number[] }): (z: number) => number {
  const at = quantileAt(f.quantiles);
  const post = clampRound(f);
  return (z) => post(at(normalCdf(z)));
}
