import type { RoutePolicy } from '../policy.js';
import type { RegistryEntry } from '../registry.js';
import { meanPass, priorPass, round6, scoreFrom } from './scores.js';

/** Pseudo-observations the prior of a never-observed arm is worth. */
const PRIOR_WEIGHT = 2;

/**
 * `learned`: per (dataset, field, backend) a Beta posterior of the pass rate from the validator's
 * verdicts, and the cost per accepted value including repairs and escalations. Thompson sampling
 * picks the arm with the lowest sampled cost per accepted value — cost-aware, so it never drifts
 * onto the priciest model because it passes a little more often. The exploration floor (`explore`)
 * sends a share of decisions to another arm, only among those whose expected cost is within 2× of
 * the best's: exploration is spent where it is cheap.
 */
export const learnedPolicy: RoutePolicy = {
  name: 'learned',
  mode: 'field',
  choose(input) {
    const { candidates, rng } = input;
    const sampled = new Map<RegistryEntry, number>();
    for (const e of candidates) {
      const s = input.arm(e);
      const prior = priorPass(e, input);
      const a = 1 + (s?.passed ?? 0) + (s && s.passed + s.failed > 0 ? 0 : prior * PRIOR_WEIGHT);
      const b = 1 + (s?.failed ?? 0) + (s && s.passed + s.failed > 0 ? 0 : (1 - prior) * PRIOR_WEIGHT);
      sampled.set(e, rng.beta(a, b));
    }
    const thompson = candidates.map((_, k) => scoreFrom(input, k, (e) => sampled.get(e)!));
    const expected = candidates.map((_, k) => scoreFrom(input, k, meanPass(input)));
    let pick = thompson.indexOf(Math.min(...thompson));
    const bestMean = Math.min(...expected);
    const near = candidates.map((_, k) => k).filter((k) => k !== pick && expected[k]! <= 2 * bestMean);
    let reason = `Thompson sample: ${candidates[pick]!.name} at $${round6(thompson[pick]!)} per accepted value (pass ${sampled.get(candidates[pick]!)!.toFixed(3)})`;
    if (near.length && rng.next() < input.step.explore) {
      pick = near[Math.floor(rng.next() * near.length)]!;
      reason = `exploration floor (${input.step.explore}): ${candidates[pick]!.name}, expected $${round6(expected[pick]!)} within 2x of the best $${round6(bestMean)}`;
    }
    return {
      ladder: candidates.slice(pick).map((e) => e.name),
      alternatives: candidates.map((e, k) => ({ backend: e.name, score: round6(expected[k]!) })),
      reason,
    };
  },
};
