import type { RoutePolicy } from '../policy.js';

/**
 * `fixed` (the default): the stage's `backend`, then its `fallback` chain, whole records at a
 * time — synthfarm's behaviour before routing, byte for byte.
 */
export const fixedPolicy: RoutePolicy = {
  name: 'fixed',
  mode: 'record',
  choose(input) {
    const first = input.step.backend ?? input.candidates[0]?.name;
    const ladder = first ? [first, ...input.step.fallback.filter((n) => n !== first)] : [];
    return { ladder, alternatives: ladder.map((backend, i) => ({ backend, score: i })), reason: input.step.fallback.length ? `fixed: ${first}, fallback ${input.step.fallback.join(' → ')}` : `fixed: ${first}` };
  },
};
