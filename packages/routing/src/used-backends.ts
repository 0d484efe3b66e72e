import { isModelDataset, type Spec } from '@synthfarm/spec';
import { SPOT_CHECK, type BatchRoute } from './route-plan.js';
import { generateStages } from './step-fields.js';

/** Name of the backend a `fixed` generate stage writes with: `stages.generate.backend`, else the first one defined. */
export function primaryBackendName(spec: Spec): string | undefined {
  return spec.stages.generate.backend ?? Object.keys(spec.backends)[0];
}

/**
 * Backends a spec's stages may call, by name: each generate stage's backend and fallbacks (fixed)
 * or its candidates and judge (routed, with the top tier for shadow evaluation), and the enrich
 * and validate stages' backends.
 */
export function usedBackendNames(spec: Spec): string[] {
  if (!spec.datasets.some(isModelDataset)) return [];
  const all = Object.keys(spec.backends);
  const names: Array<string | undefined> = [];
  for (const s of spec.stages.steps) {
    if (s.stage !== 'generate') names.push(s.backend);
    else if (s.route === 'fixed') names.push(s.backend ?? all[0], ...s.fallback);
    else names.push(...(s.backends ?? all), s.judge);
  }
  return [...new Set(names.filter((n): n is string => !!n && !!spec.backends[n]))];
}

/**
 * Backends the batches of dataset `d` may call, by name, in stage order: each of its generate
 * stages' backend and fallbacks (fixed) or candidates and judge (routed; the top tier, for shadow
 * evaluation and the default judge, is a candidate), then the enrich and validate stages' backends.
 * Empty for a dataset without model fields.
 */
export function datasetBackendNames(spec: Spec, d: number): string[] {
  const ds = spec.datasets[d];
  if (!ds || !isModelDataset(ds)) return [];
  const all = Object.keys(spec.backends);
  const names: Array<string | undefined> = [];
  for (const { spec: s } of generateStages(spec, d)) {
    if (s.route === 'fixed') names.push(s.backend ?? all[0], ...s.fallback);
    else names.push(...(s.backends ?? all), s.judge);
  }
  for (const s of spec.stages.steps) if (s.stage !== 'generate') names.push(s.backend);
  return [...new Set(names.filter((n): n is string => !!n && !!spec.backends[n]))];
}

/** The backend that first writes a routed batch (its queue in farm mode: hosts serving that model take it). */
export function firstWriter(route: BatchRoute | undefined): string | undefined {
  const f = route?.steps.find((s) => s.policy !== SPOT_CHECK)?.fields[0];
  return f?.members?.[0] ?? f?.ladder[0];
}
