import { isModelDataset, modelFieldStages, type GenerateStep, type Spec } from '@synthfarm/spec';

/** A generate stage of a dataset, with the model fields it writes. */
export interface GenerateStage {
  /** Index in `stages.steps`. */
  step: number;
  spec: GenerateStep;
  fields: string[];
}

/**
 * The generate stages of dataset `d`, in order, each with the model fields it writes: those its
 * `fields:` names, and the first stage without `fields:` takes the rest (`modelFieldStages`).
 * Enrich fields are the enrich stages'. A stage that writes none of this dataset's fields is left out.
 */
export function generateStages(spec: Spec, d: number): GenerateStage[] {
  const ds = spec.datasets[d]!;
  if (!isModelDataset(ds)) return [];
  const stageOf = modelFieldStages(spec, ds);
  const model = [...stageOf.keys()];
  return spec.stages.steps
    .map((s, step) => ({ s, step }))
    .filter((x): x is { s: GenerateStep; step: number } => x.s.stage === 'generate')
    .map(({ s, step }) => ({ step, spec: s, fields: model.filter((n) => stageOf.get(n) === step) }))
    .filter((g) => g.fields.length > 0);
}
