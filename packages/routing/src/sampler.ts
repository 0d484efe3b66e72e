import { hash53, mix32 } from '@synthfarm/core';

/**
 * Deterministic per-record sampling for routing (shadow evaluation, the judge's sample): record
 * i is in the sample or not whatever the batch size, worker or mode.
 */
export function createSeededSampler(seed: number, dataset: string, purpose: string, rate: number): (index: number) => boolean {
  const key = hash53(`${seed}\u0000${dataset}\u0000${purpose}`) >>> 0;
  const threshold = rate * 4294967296;
  return (index) => mix32(key, index) < threshold;
}
