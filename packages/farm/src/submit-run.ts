import { resolve } from 'node:path';
import { newRunId } from '@synthfarm/engine';
import { redactSecrets, runSpec, type LoadedSpec } from '@synthfarm/spec';
import type { RunStore } from './run-store.js';

export interface SubmitOptions {
  outDir?: string;
  /** The root `outDir` must be created in without following links (runs posted to the API). */
  outRoot?: string | undefined;
  offline?: boolean;
  maxCostUsd?: number | undefined;
  /** Most rejected records the run may have and still complete (see runEmbedded's maxRejects). Default: no limit. */
  maxRejects?: number | undefined;
  schedule?: string | undefined;
  runId?: string;
  /** Route from no learned weights (`--fresh-weights`). */
  freshWeights?: boolean | undefined;
}

/**
 * Records a run in Redis: its validated spec (API keys as references, never values), output
 * directory and options. Batches are produced by the run's coordinator, not here.
 */
export async function submitRun(store: RunStore, loaded: LoadedSpec, opts: SubmitOptions = {}): Promise<string> {
  const runId = opts.runId ?? newRunId();
  await store.create({
    runId,
    createdAt: new Date().toISOString(),
    outDir: resolve(opts.outDir ?? loaded.spec.output.dir),
    ...(opts.outRoot ? { outRoot: resolve(opts.outRoot) } : {}),
    specSha256: loaded.sha256,
    source: loaded.source,
    spec: redactSecrets(runSpec(loaded.spec), loaded.secretRefs),
    offline: opts.offline ?? false,
    maxCostUsd: opts.maxCostUsd,
    ...(opts.maxRejects !== undefined ? { maxRejects: opts.maxRejects } : {}),
    schedule: opts.schedule,
    ...(opts.freshWeights ? { freshWeights: true } : {}),
    total: loaded.spec.datasets.reduce((n, d) => n + d.count, 0),
  });
  return runId;
}
