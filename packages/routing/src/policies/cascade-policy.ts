import type { RoutePolicy } from '../policy.js';
import { meanPass, round6, scoreFrom } from './scores.js';

/**
 * `cascade` (try cheap first, FrugalGPT-style): every field starts on the cheapest candidate and
 * escalates one tier on each trigger of `escalateOn` — invalid after its repairs, a judge defect
 * rate above `maxDefectRate`, or a self-reported confidence below `minConfidence`.
 */
export const cascadePolicy: RoutePolicy = {
  name: 'cascade',
  mode: 'field',
  choose(input) {
    const pass = meanPass(input);
    const ladder = input.candidates.map((e) => e.name);
    return {
      ladder,
      alternatives: input.candidates.map((e, i) => ({ backend: e.name, score: round6(scoreFrom(input, i, pass)) })),
      reason: `try cheap first: ${ladder.join(' → ')}, escalating on ${input.step.escalateOn.join(', ')}`,
    };
  },
};
