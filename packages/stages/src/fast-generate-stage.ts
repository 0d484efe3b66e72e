import type { Logger } from '@synthfarm/core';
import type { RecordStage, StagedBatch } from '@synthfarm/engine';
import { callCost, type LlmBackend } from '@synthfarm/llm';
import { createModelRegistry, generateStages, primaryBackendName, usedBackendNames, type RouteVerdict, type StepRoute } from '@synthfarm/routing';
import type { Spec } from '@synthfarm/spec';
import { applyOutcome, nullers } from './apply-values.js';
import { modelFieldsOf } from './model-fields.js';
import { ModelWriter, type WriteOutcome } from './model-writer.js';
import { RoutedWriter } from './routed-writer.js';

/** Records per model call when a dataset does not say. Larger calls are split if truncated. */
export const DEFAULT_RECORDS_PER_CALL = 25;

export interface FastGenerateOptions {
  spec: Spec;
  /** Backends by spec name (every backend the stage's route may pick must be there). */
  backends: Map<string, LlmBackend>;
  /** Fields the enrich stage writes (not this one). */
  enrichFields: ReadonlySet<string>;
  /** Index of this generate stage in `stages.steps`. Default the first generate stage. */
  step?: number;
  log?: Logger;
}

/** Name of the backend a fixed generate stage writes with (the routing package decides; kept here for callers). */
export const generateBackendName = primaryBackendName;

/**
 * Stage 2, fast-generate: one generate stage's model fields of a batch's records,
 * `recordsPerCall` records per structured call, routed as the batch's job says (DESIGN §8):
 * `fixed` writes whole records with validate → repair → fallback → reject (today's chain);
 * the other policies write, repair and escalate each field on its own ladder.
 */
export function createFastGenerateStage(opts: FastGenerateOptions): RecordStage {
  const { spec } = opts;
  const stepIndex = opts.step ?? spec.stages.steps.findIndex((s) => s.stage === 'generate');
  const registry = createModelRegistry(spec);
  const top = registry.top(usedBackendNames(spec))?.name;
  const perDataset = spec.datasets.map((ds, d) => {
    const stage = generateStages(spec, d).find((s) => s.step === stepIndex);
    if (!stage) return undefined;
    const fields = modelFieldsOf(ds, `datasets[${d}]`, opts.enrichFields).filter((f) => stage.fields.includes(f.name));
    const recordsPerCall = ds.recordsPerCall ?? Math.min(DEFAULT_RECORDS_PER_CALL, ds.batchSize);
    const writers = new Map<string, ModelWriter>();
    // The fixed chain's writer, by chain: the same calls (and bytes) as before routing existed.
    const chainWriter = (names: string[]) => {
      const key = names.join('\u0000');
      let w = writers.get(key);
      if (!w) {
        const chain = names.map((n) => opts.backends.get(n)).filter((b): b is LlmBackend => !!b);
        w = new ModelWriter({ dataset: ds.name, fields, chain, seed: spec.seed, repairAttempts: stage.spec.repairAttempts, recordsPerCall, ...(opts.log ? { log: opts.log } : {}) });
        writers.set(key, w);
      }
      return w;
    };
    const routed = new RoutedWriter({ dataset: ds.name, fields, step: stage.spec, backends: opts.backends, prices: spec.backends, recordsPerCall, seed: spec.seed, top: stage.spec.judge ? top : registry.top(stage.spec.backends ?? [...registry.entries.map((e) => e.name)])?.name });
    const primary = stage.spec.backend ?? Object.keys(spec.backends)[0];
    const fixedChain = primary ? [primary, ...stage.spec.fallback.filter((n) => n !== primary)] : [];
    return { name: ds.name, nulls: nullers(spec.seed, ds.name, fields), chainWriter, routed, fixedChain };
  });
  return {
    async process(b: StagedBatch, signal: AbortSignal) {
      const w = perDataset[b.datasetIndex];
      if (!w || !b.records) return b;
      const items = b.records.flatMap((record, k) => (record ? [{ index: b.start + k, record }] : []));
      const route: StepRoute | undefined = b.route?.steps.find((s) => s.step === stepIndex);
      let outcome: WriteOutcome;
      let verdicts: RouteVerdict[];
      if (!route || route.mode === 'record') {
        outcome = await w.chainWriter(route?.fields[0]?.ladder ?? w.fixedChain).write(items, signal);
        verdicts = [...outcome.tally].map(([backend, t]) => ({
          step: stepIndex, field: '*', backend, asked: t.asked, passed: t.passed, accepted: t.accepted, escalated: t.escalated,
          cost: Number(callCost(spec.backends[backend] ?? {}, t.tokensIn, t.tokensOut).toPrecision(6)),
        }));
      } else {
        const r = await w.routed.write(items, route, signal);
        outcome = r;
        verdicts = r.verdicts;
      }
      applyOutcome(b, w.name, outcome, w.nulls);
      for (const d of outcome.decisions) (b.routing ??= []).push({ dataset: w.name, batch: b.batch, backend: d.backend, reason: `${d.reason} (${d.records} records)` });
      if (route) (b.verdicts ??= []).push(...verdicts);
      return b;
    },
  };
}
