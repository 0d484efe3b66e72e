import type { Logger } from '@synthfarm/core';
import type { RecordStage, StagedBatch } from '@synthfarm/engine';
import type { LlmBackend } from '@synthfarm/llm';
import type { Spec } from '@synthfarm/spec';
import { applyOutcome, nullers } from './apply-values.js';
import { modelFieldsOf } from './model-fields.js';
import { ModelWriter } from './model-writer.js';

/** Records per model call when a dataset does not say. Larger calls are split if truncated. */
export const DEFAULT_RECORDS_PER_CALL = 25;

export interface FastGenerateOptions {
  spec: Spec;
  /** Backends by spec name (the generate backend and its fallbacks must be there). */
  backends: Map<string, LlmBackend>;
  /** Fields the enrich stage writes (not this one). */
  enrichFields: ReadonlySet<string>;
  log?: Logger;
}

/** Name of the backend that generates: `stages.generate.backend`, else the first one defined. */
export function generateBackendName(spec: Spec): string | undefined {
  return spec.stages.generate.backend ?? Object.keys(spec.backends)[0];
}

/**
 * Stage 2, fast-generate: the model fields of a batch's records, `recordsPerCall` records per
 * structured call on the small model, with validate → repair → fallback → reject.
 */
export function createFastGenerateStage(opts: FastGenerateOptions): RecordStage {
  const { spec } = opts;
  const primary = generateBackendName(spec);
  const chainNames = primary ? [primary, ...spec.stages.generate.fallback.filter((n) => n !== primary)] : [];
  const chain = chainNames.map((n) => opts.backends.get(n)).filter((b): b is LlmBackend => !!b);
  const perDataset = spec.datasets.map((ds, d) => {
    const fields = modelFieldsOf(ds, `datasets[${d}]`, opts.enrichFields);
    if (!fields.length) return undefined;
    const writer = new ModelWriter({
      dataset: ds.name, fields, chain, seed: spec.seed,
      repairAttempts: spec.stages.generate.repairAttempts,
      recordsPerCall: ds.recordsPerCall ?? Math.min(DEFAULT_RECORDS_PER_CALL, ds.batchSize),
      ...(opts.log ? { log: opts.log } : {}),
    });
    return { writer, nulls: nullers(spec.seed, ds.name, fields), name: ds.name };
  });
  return {
    async process(b: StagedBatch, signal: AbortSignal) {
      const w = perDataset[b.datasetIndex];
      if (!w || !b.records) return b;
      const items = b.records.flatMap((record, k) => (record ? [{ index: b.start + k, record }] : []));
      const outcome = await w.writer.write(items, signal);
      applyOutcome(b, w.name, outcome, w.nulls);
      for (const d of outcome.decisions) (b.routing ??= []).push({ dataset: w.name, batch: b.batch, backend: d.backend, reason: `${d.reason} (${d.records} records)` });
      return b;
    },
  };
}
