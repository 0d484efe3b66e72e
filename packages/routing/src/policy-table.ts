import type { RoutePolicyName } from '@synthfarm/spec';
import { cascadePolicy } from './policies/cascade-policy.js';
import { cheapestPolicy } from './policies/cheapest-policy.js';
import { ensemblePolicy } from './policies/ensemble-policy.js';
import { fixedPolicy } from './policies/fixed-policy.js';
import { learnedPolicy } from './policies/learned-policy.js';
import type { RoutePolicy } from './policy.js';

/** The policies by the name `stages.generate.route` gives. */
export const POLICIES: Record<RoutePolicyName, RoutePolicy> = {
  fixed: fixedPolicy,
  cheapest: cheapestPolicy,
  cascade: cascadePolicy,
  ensemble: ensemblePolicy,
  learned: learnedPolicy,
};
