import { isModelDataset, type Spec } from '@synthfarm/spec';
import type { BatchRoute } from './route-plan.js';

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

/** The backend that first writes a routed batch (its queue in farm mode: hosts serving that model take it). */
export function firstWriter(route: BatchRoute | undefined): string | undefined {
  const f = route?.steps[0]?.fields[0];
  return f?.members?.[0] ?? f?.ladder[0];
}
