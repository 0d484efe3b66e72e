import type { RoutePolicy } from '../policy.js';
import { meanPass, round6, scoreFrom } from './scores.js';

/**
 * `cheapest`: the cheapest backend whose tier covers the field's complexity; escalation goes up
 * the tiers from there.
 */
export const cheapestPolicy: RoutePolicy = {
  name: 'cheapest',
  mode: 'field',
  choose(input) {
    const { candidates, complexity } = input;
    const capable = candidates.filter((e) => e.tier >= complexity.tier);
    const pick = capable.length ? capable.reduce((a, b) => (input.unitCost(b) < input.unitCost(a) ? b : a)) : candidates.at(-1)!;
    const k = candidates.indexOf(pick);
    const pass = meanPass(input);
    return {
      ladder: [pick.name, ...candidates.slice(k + 1).map((e) => e.name).filter((n) => n !== pick.name)],
      alternatives: candidates.map((e, i) => ({ backend: e.name, score: round6(scoreFrom(input, i, pass)) })),
      reason: capable.length
        ? `cheapest backend of tier >= ${complexity.tier} (complexity ${complexity.score}: ${complexity.reasons.join(', ')})`
        : `no candidate of tier ${complexity.tier}: the top one`,
    };
  },
};
