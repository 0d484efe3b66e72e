import type { Spec } from '@synthfarm/spec';
import { batchComplexity, fieldComplexity, type Complexity } from './complexity.js';
import { fieldProfiles } from './field-profile.js';
import { createModelRegistry } from './registry.js';
import { createRouter } from './router.js';
import { generateStages } from './step-fields.js';

/** What `synthfarm plan` shows of routing: per dataset and generate stage, each field's complexity and first route. */
export interface RoutePreview {
  dataset: string;
  step: number;
  policy: string;
  batch: Complexity;
  fields: Array<{ field: string; complexity: Complexity; ladder: string[]; members?: string[] | undefined }>;
}

/** The routes of each model dataset's first batch from no weights, with the complexity behind them. Calls no model. */
export function previewRoutes(spec: Spec): RoutePreview[] {
  const registry = createModelRegistry(spec);
  const maxTier = Math.max(1, ...registry.entries.map((e) => e.tier));
  const router = createRouter({ spec });
  const out: RoutePreview[] = [];
  spec.datasets.forEach((ds, d) => {
    const route = router.decide(d, 0, Math.min(ds.batchSize, ds.count));
    for (const stage of generateStages(spec, d)) {
      const profiles = fieldProfiles(ds, stage.fields);
      const complexities = profiles.map((f) => fieldComplexity(f, { modelFields: profiles.length, maxTier }));
      const step = route?.steps.find((s) => s.step === stage.step);
      out.push({
        dataset: ds.name, step: stage.step, policy: stage.spec.route, batch: batchComplexity(complexities),
        fields: profiles.map((f, i) => {
          const r = step?.fields.find((x) => x.field === f.name);
          return { field: f.name, complexity: complexities[i]!, ladder: r?.ladder ?? [], ...(r?.members ? { members: r.members } : {}) };
        }),
      });
    }
  });
  return out;
}
