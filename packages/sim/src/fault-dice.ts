import { createRng } from './rng.js';
import type { SimFaults } from './sim-options.js';

/** Which faults fire for one request. At most one of error / hang / drop is acted on, in that order. */
export interface FaultRoll {
  error: boolean;
  hang: boolean;
  drop: boolean;
  malformed: boolean;
}

/**
 * Rolls the faults of the `index`-th request. Each kind has its own stream, keyed by
 * (seed, index, kind), so changing one rate does not reshuffle when the others fire.
 */
export function rollFaults(faults: SimFaults, seed: number, index: number): FaultRoll {
  const roll = (kind: number, rate: number): boolean => rate > 0 && createRng(seed, index, kind).next() < rate;
  return {
    error: roll(1, faults.errorRate),
    hang: roll(2, faults.hangRate),
    drop: roll(3, faults.dropRate),
    malformed: roll(4, faults.malformedRate),
  };
}
