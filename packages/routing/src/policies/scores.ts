import { passMean } from '../arm-state.js';
import { expectedCostPerAccepted, type Rung } from '../expected-cost.js';
import type { PolicyInput } from '../policy.js';
import type { RegistryEntry } from '../registry.js';

/** Pass rate assumed of a backend never observed on a field: its tier covers the field, or not. */
export function priorPass(e: RegistryEntry, input: PolicyInput): number {
  return e.tier >= input.complexity.tier ? 0.9 : 0.6;
}

/** Expected USD per accepted value starting at candidate `k` and escalating up the rest, with pass rates from `pass`. */
export function scoreFrom(input: PolicyInput, k: number, pass: (e: RegistryEntry) => number): number {
  const rungs: Rung[] = input.candidates.slice(k).map((e) => ({ cost: input.unitCost(e), pass: pass(e) }));
  return expectedCostPerAccepted(rungs, input.step.repairAttempts).costPerAccepted;
}

/** Posterior mean pass rate, or the prior when the arm was never observed. */
export function meanPass(input: PolicyInput): (e: RegistryEntry) => number {
  return (e) => {
    const s = input.arm(e);
    return s && s.passed + s.failed > 0 ? passMean(s) : priorPass(e, input);
  };
}

/** USD to 6 significant places, for decision records. */
export function round6(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}
