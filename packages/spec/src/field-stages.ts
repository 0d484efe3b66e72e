import type { Spec } from './spec-schema.js';
import { enrichFieldNames } from './run-spec.js';

/**
 * Which generate stage writes each model field of dataset `ds`, by its index in `stages.steps`:
 * the stage whose `fields:` names it, else the first generate stage without `fields:` (which
 * takes the rest). Enrich fields are the enrich stages' and are left out, as are fields no stage
 * writes. A later stage sees the fields the earlier ones wrote (its prompts may name them).
 */
export function modelFieldStages(spec: Spec, ds: Spec['datasets'][number]): Map<string, number> {
  const enrich = enrichFieldNames(spec);
  const names = ds.shape ? Object.keys(ds.shape) : Object.entries(ds.fields ?? {}).filter(([, f]) => f.kind === 'llm').map(([n]) => n);
  const steps = spec.stages.steps.map((s, k) => ({ s, k })).filter((x) => x.s.stage === 'generate');
  const claimedBy = new Map<string, number>();
  for (const { s, k } of steps) if (s.stage === 'generate') for (const f of s.fields ?? []) if (!claimedBy.has(f)) claimedBy.set(f, k);
  const catchAll = steps.find((x) => x.s.stage === 'generate' && !x.s.fields)?.k;
  const out = new Map<string, number>();
  for (const n of names) {
    if (enrich.has(n)) continue;
    const k = claimedBy.get(n) ?? catchAll;
    if (k !== undefined) out.set(n, k);
  }
  return out;
}
