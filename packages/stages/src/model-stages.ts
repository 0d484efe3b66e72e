import type { Logger } from '@synthfarm/core';
import { withBatchAccounting, type Manifest, type RecordStage, type RunBudget, type RunEstimate } from '@synthfarm/engine';
import type { BackendDeps, LlmBackend } from '@synthfarm/llm';
import type { LoadedSpec } from '@synthfarm/spec';
import { prepareRunCosts } from './run-costs.js';
import { createEnrichStage } from './enrich-stage.js';
import { createFastGenerateStage, DEFAULT_RECORDS_PER_CALL, generateBackendName } from './fast-generate-stage.js';
import { createOfflineStage } from './offline-stage.js';
import { checkStageBackends, createStageBackends } from './stage-backends.js';
import { enrichFieldNames, isModelDataset, runSpec } from './enrich-fields.js';

export interface ModelStagesOptions {
  /** Fill model fields procedurally instead of calling a model. */
  offline?: boolean;
  /** `--max-cost` in USD (overrides the spec's `budgets.run`): each batch's estimated cost is reserved against it before dispatch. */
  maxCostUsd?: number | undefined;
  /** Response cache directory; undefined disables the cache. */
  cacheDir?: string | undefined;
  deps?: BackendDeps;
  /** Farm mode: the hosts a backend uses on this worker. */
  hostsFor?: (name: string, spec: import('@synthfarm/spec').BackendSpec) => string[] | undefined;
  /** Use these backends instead of building them from the spec (a farm worker shares its own). */
  backends?: Map<string, LlmBackend>;
  /** Skip the start-up check (a farm worker checks its own host). */
  skipCheck?: boolean;
  /**
   * Build the run's budget and estimate. Default true; a farm worker, which runs batches of a
   * run its coordinator budgets, passes false.
   */
  costs?: boolean;
  log?: Logger;
}

/** The model stages of a run, wired: what `runEmbedded` takes, and what goes into the manifest. */
export interface ModelStages {
  /** The run's spec (enrich fields as columns). */
  spec: import('@synthfarm/spec').Spec;
  stages: RecordStage[];
  backends: Map<string, LlmBackend>;
  /** The run's caps, reserved per batch before dispatch; undefined when it has none. */
  budget: RunBudget | undefined;
  /** The plan's estimate of the run (none offline). */
  estimate: RunEstimate | undefined;
  /** Batches in flight that keep the generate backend's slots busy, for model datasets. */
  windowFor(datasetIndex: number): number | undefined;
  /**
   * The manifest's `backends` section as the run's events do not know it (provider, model); the
   * committer adds the figures folded from the events (the same in both modes).
   */
  manifestExtras(): Pick<Manifest, 'backends'>;
  /** Output tokens so far over all backends. */
  tokensOut(): number;
  close(): Promise<void>;
}

/**
 * Builds the model stages for a loaded spec: adds enrich fields as columns, creates and checks
 * the backends (exit 3 when none serves), and returns fast-generate then enrich, or the
 * offline filler, for the run's spec ({@link runSpec}: enrich fields are columns of their own).
 */
export async function createModelStages(loaded: LoadedSpec, opts: ModelStagesOptions = {}): Promise<ModelStages> {
  const spec = runSpec(loaded.spec);
  const enrichFields = enrichFieldNames(spec);
  // Each call is also added to the account of the batch making it (what the committer reports);
  // given backends (a farm worker's) come wrapped already.
  const backends = opts.offline ? new Map<string, LlmBackend>() : opts.backends ?? new Map([...createStageBackends(loaded, { cacheDir: opts.cacheDir, ...(opts.deps ? { deps: opts.deps } : {}), ...(opts.hostsFor ? { hostsFor: opts.hostsFor } : {}) })].map(([n, b]) => [n, withBatchAccounting(b, spec.backends[n]!)] as const));
  if (backends.size && !opts.skipCheck) {
    try {
      await checkStageBackends(backends);
    } catch (err) {
      await Promise.all([...backends.values()].map((b) => b.close()));
      throw err;
    }
  }
  // Offline runs call no model: nothing to estimate or cap.
  const costs = opts.offline || !backends.size || opts.costs === false ? undefined : await prepareRunCosts(spec, { maxCostUsd: opts.maxCostUsd });
  const common = { spec, backends, enrichFields, ...(opts.log ? { log: opts.log } : {}) };
  const stages: RecordStage[] = opts.offline
    ? [createOfflineStage(spec, enrichFields)]
    : backends.size
      ? spec.stages.steps.map((st, step) => (st.stage === 'generate' ? createFastGenerateStage({ ...common, step }) : createEnrichStage({ ...common, step }))).filter((s): s is RecordStage => !!s)
      : [];
  return {
    spec, stages, backends,
    budget: costs?.budget,
    estimate: costs?.estimate,
    windowFor: (d) => {
      const ds = spec.datasets[d]!;
      const gen = generateBackendName(spec);
      const b = gen ? spec.backends[gen] : undefined;
      if (!isModelDataset(ds) || !b || opts.offline) return undefined;
      const slots = b.slots * (opts.hostsFor?.(gen!, b)?.length ?? b.hosts?.length ?? 1);
      const callsPerBatch = Math.ceil(ds.batchSize / (ds.recordsPerCall ?? Math.min(DEFAULT_RECORDS_PER_CALL, ds.batchSize)));
      return Math.ceil(slots / callsPerBatch) + 1;
    },
    manifestExtras: () => ({
      backends: Object.fromEntries([...backends].map(([n, b]) => [n, { provider: b.provider, model: b.model }])),
    }),
    tokensOut: () => [...backends.values()].reduce((n, b) => n + b.stats().tokensOut, 0),
    close: async () => {
      await Promise.all([...backends.values()].map((b) => b.close()));
    },
  };
}
