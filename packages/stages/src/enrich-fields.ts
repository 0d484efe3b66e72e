import type { Spec } from '@synthfarm/spec';

/** True for datasets the model writes into (llm fields, or a shape). */
export function isModelDataset(ds: Spec['datasets'][number]): boolean {
  return !!ds.shape || Object.values(ds.fields ?? {}).some((f) => f.kind === 'llm');
}

/**
 * Adds `stages.enrich.fields` to every model dataset as columns of its own, so outputs and
 * record checks see them (null on records outside the enrich sample). Returns the names added.
 */
export function withEnrichFields(spec: Spec): Set<string> {
  const fields = spec.stages.enrich?.fields ?? {};
  const names = new Set(Object.keys(fields));
  if (!names.size) return names;
  for (const ds of spec.datasets) {
    if (!isModelDataset(ds)) continue;
    if (ds.shape) {
      for (const n of names) if (!(n in ds.shape)) ds.shape[n] = 'string';
    } else {
      for (const [n, f] of Object.entries(fields)) if (!(n in ds.fields!)) ds.fields![n] = { ...f, nullRate: 0 };
    }
  }
  return names;
}
