import { hash53, mix32 } from '@synthfarm/core';

/**
 * Deterministic per-record sampling: record i of a dataset is in the sample or not whatever
 * the batch size, worker or mode. `rate` 0.05 samples about 5% of every batch.
 */
export function createSampler(seed: number, dataset: string, purpose: string, rate: number): (index: number) => boolean {
  const key = hash53(`${seed}\u0000${dataset}\u0000${purpose}`) >>> 0;
  const threshold = rate * 4294967296;
  return (index) => mix32(key, index) < threshold;
}

/**
 * What an enrich or validate stage's sample is drawn for: the first such stage of the list
 * samples as `enrich` (as the map form always has), a later one as `enrich:K` (its index), so
 * each draws its own sample — online or `--offline` alike.
 */
export function enrichSamplePurpose(steps: ReadonlyArray<{ stage: string }>, stepIndex: number): string {
  return steps.findIndex((s) => s.stage !== 'generate') === stepIndex ? 'enrich' : `enrich:${stepIndex}`;
}
