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

/** The column runSpec adds to a model dataset for the enrich field `f`. */
function enrichColumn(f: NonNullable<EnrichStageSpec['fields']>[string]): NonNullable<EnrichStageSpec['fields']>[string] {
  return { ...f, nullRate: 0 };
}

/**
 * Per enrich field that runSpec added to `ds` (a dataset of `spec`, runSpec'd), the share of its
 * records the enrich stage writes (the stage's `sample`): the others have it null, by design. A
 * field the dataset has of its own (an enrich stage rewriting it on its sample) is not one. Told
 * by content, not identity: a farm coordinator gets the run's spec as JSON.
 */
export function enrichShares(spec: Spec, ds: Spec['datasets'][number]): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isModelDataset(ds)) return out;
  for (const s of spec.stages.steps) {
    if (s.stage !== 'enrich') continue;
    for (const [name, f] of Object.entries(s.fields ?? {})) {
      const added = ds.shape ? ds.shape[name] === 'string' : JSON.stringify(ds.fields?.[name]) === JSON.stringify(enrichColumn(f));
      if (added) out[name] = s.sample;
    }
  }
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
      return { ...ds, fields: { ...ds.fields!, ...Object.fromEntries(Object.entries(fields).filter(([n]) => !(n in ds.fields!)).map(([n, f]) => [n, enrichColumn(f)])) } };
    }),
  };
  derived.set(spec, out);
  derived.set(out, out);
  return out;
}
