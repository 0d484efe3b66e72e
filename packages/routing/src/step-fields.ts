import { enrichFieldNames, isModelDataset, type GenerateStep, type Spec } from '@synthfarm/spec';

/** A generate stage of a dataset, with the model fields it writes. */
export interface GenerateStage {
  /** Index in `stages.steps`. */
  step: number;
  spec: GenerateStep;
  fields: string[];
}

/**
 * The generate stages of dataset `d`, in order, each with the model fields it writes: those its
 * `fields:` names, and the first stage without `fields:` takes the rest. Enrich fields are the
 * enrich stages'. A stage that writes none of this dataset's fields is left out.
 */
export function generateStages(spec: Spec, d: number): GenerateStage[] {
  const ds = spec.datasets[d]!;
  if (!isModelDataset(ds)) return [];
  const enrich = enrichFieldNames(spec);
  const all = ds.shape ? Object.keys(ds.shape) : Object.entries(ds.fields ?? {}).filter(([, f]) => f.kind === 'llm').map(([n]) => n);
  const model = all.filter((n) => !enrich.has(n));
  const steps = spec.stages.steps.map((s, step) => ({ s, step })).filter((x): x is { s: GenerateStep; step: number } => x.s.stage === 'generate');
  const claimed = new Set(steps.flatMap((x) => x.s.fields ?? []));
  const rest = model.filter((n) => !claimed.has(n));
  const catchAll = steps.find((x) => !x.s.fields);
  return steps
    .map(({ s, step }) => ({ step, spec: s, fields: s.fields ? model.filter((n) => s.fields!.includes(n)) : catchAll?.step === step ? rest : [] }))
    .filter((g) => g.fields.length > 0);
}

