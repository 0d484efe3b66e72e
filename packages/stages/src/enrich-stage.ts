import type { Logger } from '@synthfarm/core';
import type { DataRecord } from '@synthfarm/codegen';
import { emptyAudit, MAX_SAMPLE_PROBLEMS, type RecordStage, type StagedBatch } from '@synthfarm/engine';
import { callCost, type LlmBackend } from '@synthfarm/llm';
import { auditRoute, type RouteVerdict } from '@synthfarm/routing';
import type { LlmFieldSpec, Spec } from '@synthfarm/spec';
import { judgeVerdicts } from './judge.js';
import { applyOutcome } from './apply-values.js';
import { llmField, modelFieldsOf, type ModelField } from './model-fields.js';
import { ModelWriter } from './model-writer.js';
import { createSampler, enrichSamplePurpose } from './sample.js';
import { isModelDataset } from './enrich-fields.js';

export interface EnrichOptions {
  spec: Spec;
  backends: Map<string, LlmBackend>;
  enrichFields: ReadonlySet<string>;
  /** Index of this enrich or validate stage in `stages.steps`. Default the first. */
  step?: number;
  log?: Logger;
}

/**
 * Stage 4, spot-check: a deterministic sample of each batch goes to the quality backend, which
 * writes the enrich fields and (with `audit`) scores the sampled records. A batch whose defect
 * rate passes `maxDefectRate` has its model fields regenerated on the quality backend.
 */
export function createEnrichStage(opts: EnrichOptions): RecordStage | undefined {
  const steps = opts.spec.stages.steps;
  const stepIndex = opts.step ?? steps.findIndex((s) => s.stage !== 'generate');
  const st = steps[stepIndex];
  if (!st || st.stage === 'generate') return undefined;
  const e = st.stage === 'validate' ? { backend: st.backend, sample: st.sample, audit: true, maxDefectRate: st.maxDefectRate, fields: undefined } : st;
  const purpose = enrichSamplePurpose(steps, stepIndex);
  const found = opts.backends.get(e.backend);
  if (!found) return undefined;
  const quality: LlmBackend = found;
  const { spec } = opts;
  const enrichSpecs = Object.entries(e.fields ?? {}).map(([name, f]) => llmField(name, f as LlmFieldSpec));
  const perDataset = spec.datasets.map((ds, d) => {
    if (!isModelDataset(ds)) return undefined;
    const fastFields = modelFieldsOf(ds, `datasets[${d}]`, opts.enrichFields);
    const common = { dataset: ds.name, chain: [quality], repairAttempts: spec.stages.generate.repairAttempts, recordsPerCall: ds.recordsPerCall ?? 25, seed: spec.seed ^ 0x5a5a };
    return {
      name: ds.name,
      fastFields,
      sampled: createSampler(spec.seed, ds.name, purpose, e.sample),
      enricher: enrichSpecs.length ? new ModelWriter({ ...common, fields: enrichSpecs }) : undefined,
      regenerator: new ModelWriter({ ...common, fields: fastFields }),
    };
  });

  const price = spec.backends[e.backend] ?? {};
  return {
    async process(b: StagedBatch, signal: AbortSignal) {
      const p = perDataset[b.datasetIndex];
      if (!p || !b.records) return b;
      const sample = b.records.flatMap((record, k) => (record && p.sampled(b.start + k) ? [{ index: b.start + k, record }] : []));
      if (!sample.length) return b;
      (b.audit ??= emptyAudit()).sampled += sample.length;
      // This stage's verdict for decisions.jsonl (when the batch's route records it): sampled
      // records asked, those that passed (enriched, and judged ok when audited), values kept, cost.
      const v: RouteVerdict = { step: stepIndex, field: '*', backend: quality.name, asked: sample.length, passed: 0, accepted: 0, escalated: 0, cost: 0 };
      const failed = new Set<number>();
      const spend = (tokensIn: number, tokensOut: number) => (v.cost += callCost(price, tokensIn, tokensOut));
      if (p.enricher) {
        const outcome = await p.enricher.write(sample, signal);
        (b.audit ??= emptyAudit()).enrichFailures += outcome.failures.size;
        // A sampled record whose enrich fields failed keeps them null: it is still valid.
        applyOutcome(b, p.name, outcome, [], false);
        (b.routing ??= []).push({ dataset: p.name, batch: b.batch, backend: quality.name, reason: `enrich sample (${sample.length} records)` });
        for (const t of outcome.tally.values()) spend(t.tokensIn, t.tokensOut);
        for (const i of outcome.failures.keys()) failed.add(i);
        v.accepted += outcome.values.size;
      }
      if (e.audit) await audit(b, sample, p, v, failed, spend, signal);
      v.passed = sample.length - failed.size;
      if (b.route?.steps.some((s) => s.step === stepIndex)) (b.verdicts ??= []).push({ ...v, cost: Number(v.cost.toPrecision(6)) });
      return b;
    },
  };

  async function audit(b: StagedBatch, sample: Array<{ index: number; record: DataRecord }>, p: NonNullable<(typeof perDataset)[number]>, v: RouteVerdict, failed: Set<number>, spend: (tokensIn: number, tokensOut: number) => void, signal: AbortSignal) {
    const fieldNames = p.fastFields.map((f) => f.name);
    const tokens = { tokensIn: 0, tokensOut: 0 };
    const verdicts = await judgeVerdicts(quality, p.name, fieldNames, sample, spec.seed, signal, b.start, tokens);
    spend(tokens.tokensIn, tokens.tokensOut);
    if (!verdicts) {
      (b.audit ??= emptyAudit()).auditErrors++;
      return;
    }
    // Records flagged defective did not pass (with an enrich failure, they count once).
    verdicts.forEach((x, i) => x.ok || failed.add(sample[i]!.index));
    const defects = verdicts.filter((v) => !v.ok);
    (b.audit ??= emptyAudit()).audited += sample.length;
    (b.audit ??= emptyAudit()).defects += defects.length;
    for (const d of defects) if ((b.audit ??= emptyAudit()).sampleProblems.length < MAX_SAMPLE_PROBLEMS && d.problem) (b.audit ??= emptyAudit()).sampleProblems.push(d.problem);
    const rate = defects.length / sample.length;
    const decision = auditRoute(rate, e.maxDefectRate, quality.name);
    if (!decision.regenerate || !p.fastFields.length) return;
    const items = b.records!.flatMap((record, k) => (record ? [{ index: b.start + k, record }] : []));
    const outcome = await p.regenerator.write(items, signal);
    // Records the quality model could not rewrite keep their (valid) first answer.
    applyOutcome(b, p.name, outcome, [], false);
    for (const t of outcome.tally.values()) spend(t.tokensIn, t.tokensOut);
    v.accepted += outcome.values.size;
    v.triggers = { regenerate: outcome.values.size };
    (b.audit ??= emptyAudit()).regeneratedBatches.push({ dataset: p.name, batch: b.batch, defectRate: Math.round(rate * 1000) / 1000 });
    (b.routing ??= []).push({ dataset: p.name, batch: b.batch, backend: quality.name, reason: `audit defect rate ${rate.toFixed(2)} > maxDefectRate ${e.maxDefectRate}: regenerated ${outcome.values.size} records` });
  }
}

export type { ModelField };
