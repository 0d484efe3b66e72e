import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Spec } from '@synthfarm/spec';
import { PRIOR_RATES, type CostModel, type EstimateRates } from './estimate.js';

/** The parts of a past run's manifest.json the rates are fitted to. */
interface PastManifest {
  runId?: string;
  status?: string;
  offline?: boolean;
  datasets?: Record<string, { requested?: number }>;
  backends?: Record<string, { calls?: number; tokensIn?: number; tokensOut?: number }>;
  audit?: { audited?: number; defects?: number };
}

/**
 * The rates that explain a past run of the same datasets: the defect rate its auditor reported,
 * and the invalid-answer rate at which the cost model makes as many calls as that run did
 * (repairs and escalations are what a run's calls add beyond its first pass). A run that did not
 * complete, ran offline, or had other datasets or counts tells nothing: undefined.
 */
export function fitRates(model: CostModel, spec: Spec, past: PastManifest): EstimateRates | undefined {
  if (past.status !== 'completed' || past.offline || !past.datasets || !past.backends) return undefined;
  const names = Object.keys(past.datasets);
  if (names.length !== spec.datasets.length || spec.datasets.some((d) => past.datasets![d.name]?.requested !== d.count)) return undefined;
  const calls = Object.values(past.backends).reduce((n, b) => n + (b?.calls ?? 0), 0);
  if (!calls) return undefined;
  const a = past.audit;
  const defectRate = a?.audited ? (a.defects ?? 0) / a.audited : PRIOR_RATES.defectRate;
  const callsAt = (invalidRate: number) => model.run({ invalidRate, defectRate, from: '' }).total.calls;
  let lo = 0;
  let hi = 0.95;
  if (callsAt(lo) >= calls) hi = 0;
  else if (callsAt(hi) <= calls) lo = hi;
  for (let i = 0; i < 30 && hi - lo > 1e-4; i++) {
    const mid = (lo + hi) / 2;
    if (callsAt(mid) < calls) lo = mid;
    else hi = mid;
  }
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const invalidRate = round((lo + hi) / 2);
  // Then the tokens: what the run's calls carried against what the model says they carry.
  const modelled = model.run({ invalidRate, defectRate, from: '' }).total;
  const sum = (k: 'tokensIn' | 'tokensOut') => Object.values(past.backends!).reduce((n, b) => n + (b?.[k] ?? 0), 0);
  const scale = (k: 'tokensIn' | 'tokensOut') => (modelled[k] > 0 && sum(k) > 0 ? round(sum(k) / modelled[k]) : 1);
  return { invalidRate, defectRate: round(defectRate), tokensInScale: scale('tokensIn'), tokensOutScale: scale('tokensOut'), from: `run ${past.runId ?? '?'}` };
}

/** Rates fitted to the manifest.json in `dir` (the last run published there), else the priors. */
export async function ratesFromDir(model: CostModel, spec: Spec, dir: string | undefined): Promise<EstimateRates> {
  if (!dir) return PRIOR_RATES;
  let past: PastManifest;
  try {
    past = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as PastManifest;
  } catch {
    return PRIOR_RATES;
  }
  return (past && typeof past === 'object' && fitRates(model, spec, past)) || PRIOR_RATES;
}
