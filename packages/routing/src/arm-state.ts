import { sha256 } from '@synthfarm/core';
import { z } from 'zod';

/**
 * What has been observed of one arm, a (dataset, field, backend model): a Beta posterior of its
 * pass rate (the validator's verdicts are the reward) and the cost it took. Evidence is discounted
 * and capped, so an arm that degrades is seen to within a few batches however long its history.
 */
export const ArmStateSchema = z.object({
  /** Beta(1 + passed, 1 + failed), discounted. */
  passed: z.number().nonnegative(),
  failed: z.number().nonnegative(),
  /** USD spent on attempts at this field, and attempts (record × field), discounted alike. */
  cost: z.number().nonnegative(),
  asked: z.number().nonnegative(),
});
export type ArmState = z.infer<typeof ArmStateSchema>;

/** Learned routing weights: every arm's state, persisted across runs (file, or Redis in farm mode). */
export const WeightsSchema = z.object({ version: z.literal(1), arms: z.record(z.string(), ArmStateSchema) });
export type Weights = z.infer<typeof WeightsSchema>;

/** Most evidence an arm keeps (passed + failed): past it, older evidence is scaled down. */
export const MAX_EVIDENCE = 100;
/** Discount of an arm's evidence each time a batch observes it. */
export const DISCOUNT = 0.9;

export function emptyWeights(): Weights {
  return { version: 1, arms: {} };
}

/** An arm's key: dataset, field, and the backend's `provider:model` (names are spec-local, models are not). */
export function armKey(dataset: string, field: string, arm: string): string {
  return `${dataset}/${field}/${arm}`;
}

/** sha256 of the weights in a canonical order: the manifest records the starting weights' hash. */
export function weightsHash(w: Weights): string {
  const keys = Object.keys(w.arms).sort();
  return sha256(JSON.stringify(keys.map((k) => [k, w.arms[k]])));
}

/** Adds one batch's verdicts on an arm: discount, add, cap. */
export function observeArm(s: ArmState | undefined, passed: number, failed: number, cost: number): ArmState {
  const x = s ?? { passed: 0, failed: 0, cost: 0, asked: 0 };
  let next = { passed: x.passed * DISCOUNT + passed, failed: x.failed * DISCOUNT + failed, cost: x.cost * DISCOUNT + cost, asked: x.asked * DISCOUNT + passed + failed };
  const n = next.passed + next.failed;
  if (n > MAX_EVIDENCE) {
    const k = MAX_EVIDENCE / n;
    next = { passed: next.passed * k, failed: next.failed * k, cost: next.cost * k, asked: next.asked * k };
  }
  return next;
}

/** Posterior mean pass rate (uniform prior). */
export function passMean(s: ArmState | undefined): number {
  return s ? (s.passed + 1) / (s.passed + s.failed + 2) : 0.5;
}
