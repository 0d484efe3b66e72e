import { mix32 } from '@synthfarm/core';

/** A small deterministic random source: same seed, same sequence, on every platform. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/**
 * Creates a mulberry32 generator. Chosen over Math.random because answers must be a pure
 * function of (request, seed): the sim promises "same request + seed → identical bytes".
 * @param seed any 32-bit integer; further parts are mixed in with {@link mix32}.
 */
export function createRng(seed: number, ...parts: number[]): Rng {
  let state = seed >>> 0;
  for (const p of parts) state = mix32(state, p);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(min, max) {
      if (max <= min) return min;
      return min + Math.floor(next() * (max - min + 1));
    },
    chance(p) {
      return next() < p;
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('[sim] rng.pick: empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
  };
}
