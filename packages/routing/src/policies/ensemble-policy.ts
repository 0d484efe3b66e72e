import type { RoutePolicy } from '../policy.js';
import { meanPass, round6, scoreFrom } from './scores.js';

/**
 * `ensemble` (parallel divergent, then merge): the `ensemble.size` cheapest candidates answer the
 * same batch; values are merged by `ensemble.merge` (`judge`: text picked by the stage's judge);
 * what no member wrote escalates up the rest.
 */
export const ensemblePolicy: RoutePolicy = {
  name: 'ensemble',
  mode: 'ensemble',
  choose(input) {
    const pass = meanPass(input);
    const members = input.candidates.slice(0, input.step.ensemble.size).map((e) => e.name);
    // The judge: the stage's, else the cheapest candidate of the top tier (candidates go by tier, then price).
    const top = Math.max(...input.candidates.map((e) => e.tier));
    const judge = input.step.judge ?? input.candidates.find((e) => e.tier === top)?.name;
    const merge = input.step.ensemble.merge === 'judge' ? `vote, text picked by judge ${judge}` : input.step.ensemble.merge;
    return {
      members,
      ladder: input.candidates.slice(members.length).map((e) => e.name),
      alternatives: input.candidates.map((e, i) => ({ backend: e.name, score: round6(scoreFrom(input, i, pass)) })),
      reason: `ensemble of ${members.join(', ')} merged by ${merge}`,
    };
  },
};
