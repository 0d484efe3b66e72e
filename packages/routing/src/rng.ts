import { mix32 } from '@synthfarm/core';

/** A deterministic random source for one routing decision: same key, same draws, in any process. */
export interface RouteRng {
  /** A float in [0, 1). */
  next(): number;
  /** A draw from Beta(a, b) (a, b > 0). */
  beta(a: number, b: number): number;
}

/**
 * mulberry32 seeded from a key and integers (spec seed, dataset, batch, field): routing draws
 * never come from Math.random, so a decision is a function of its inputs (DESIGN §3).
 */
export function createRouteRng(key: number, ...parts: number[]): RouteRng {
  let state = key >>> 0;
  for (const p of parts) state = mix32(state, p);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    // Box-Muller; 1 - next() keeps the log's argument in (0, 1].
    const u = 1 - next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  // Marsaglia-Tsang; a shape below 1 is boosted by U^(1/a).
  const gamma = (a: number): number => {
    if (a < 1) return gamma(a + 1) * Math.pow(1 - next(), 1 / a);
    const d = a - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return {
    next,
    beta(a, b) {
      const x = gamma(a);
      return x / (x + gamma(b));
    },
  };
}
