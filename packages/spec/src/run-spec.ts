import type { Spec } from './spec-schema.js';
import type { EnrichStageSpec } from './stages-schema.js';

/** True for datasets the model writes into (llm fields, or a shape). */
export function isModelDataset(ds: Spec['datasets'][number]): boolean {
  return !!ds.shape || Object.values(ds.fields ?? {}).some((f) => f.kind === 'llm');
}

/** The enrich stages' fields, by name (`stages.enrich.fields`, and those of every enrich stage of the list form). */
export function enrichFields(spec: Spec): Record<string, NonNullable<EnrichStageSpec['fields']>[string]> {
  const out: Record<string, NonNullable<EnrichStageSpec['fields']>[string]> = {};
  for (const s of spec.stages.steps) if (s.stage === 'enrich') Object.assign(out, s.fields ?? {});
  return out;
}

/**
 * Per enrich field, the share of a model dataset's records its stage writes (the stage's `sample`):
 * the others have it null, by design.
 */
export function enrichShares(spec: Spec): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of spec.stages.steps) if (s.stage === 'enrich') for (const name of Object.keys(s.fields ?? {})) out[name] = s.sample;
  return out;
}

/** Names of the enrich stages' fields. */
export function enrichFieldNames(spec: Spec): Set<string> {
  return new Set(Object.keys(enrichFields(spec)));
}

const derived = new WeakMap<Spec, Spec>();

/**
 * The spec a run executes: the parsed spec plus, on every model dataset, the enrich fields as
 * columns of its own (null on records outside the enrich sample), so outputs and record checks
 * see them. Derived, never patched into the parsed spec; the same object for the same spec, so
 * every part of a run sees one spec.
 */
export function runSpec(spec: Spec): Spec {
  const fields = enrichFields(spec);
  if (!Object.keys(fields).length) return spec;
  let out = derived.get(spec);
  if (out) return out;
  out = {
    ...spec,
    datasets: spec.datasets.map((ds) => {
      if (!isModelDataset(ds)) return ds;
      if (ds.shape) return { ...ds, shape: { ...ds.shape, ...Object.fromEntries(Object.keys(fields).filter((n) => !(n in ds.shape!)).map((n) => [n, 'string'])) } };
      return { ...ds, fields: { ...ds.fields!, ...Object.fromEntries(Object.entries(fields).filter(([n]) => !(n in ds.fields!)).map(([n, f]) => [n, { ...f, nullRate: 0 }])) } };
    }),
  };
  derived.set(spec, out);
  derived.set(out, out);
  return out;
}
