import { callCost } from '@synthfarm/llm';
import { CompiledDataset, FakerRegistry } from '@synthfarm/codegen';
import type { Spec } from '@synthfarm/spec';
import { isModelDataset } from './enrich-fields.js';
import { DEFAULT_RECORDS_PER_CALL, generateBackendName } from './fast-generate-stage.js';
import { llmField, modelFieldsOf, type ModelField } from './model-fields.js';
import { buildPrompt } from './prompt.js';
import type { LlmFieldSpec } from '@synthfarm/spec';

/** Calls and tokens of one backend. */
export interface Usage {
  calls: number;
  tokensIn: number;
  tokensOut: number;
}

/**
 * The rates the estimate assumes, where a run's cost beyond a clean first pass comes from:
 * answers that fail validation (each is repaired, then escalated down the fallback chain) and
 * audited records judged defective (a batch whose sample passes `maxDefectRate` is regenerated
 * on the quality backend).
 */
export interface EstimateRates {
  /** Share of records whose answer fails validation, per attempt. */
  invalidRate: number;
  /** Share of audited records the auditor flags. */
  defectRate: number;
  /**
   * Actual over modelled tokens, in and out, of the run they were fitted to (1: none seen): a
   * field's output budget is its longest value, and models write shorter ones.
   */
  tokensInScale?: number;
  tokensOutScale?: number;
  /** Where the rates come from: `prior`, or the run whose manifest they were fitted to. */
  from: string;
}

/**
 * Rates assumed before any run of a spec was seen: small local models break a field's
 * constraints on a few records in a hundred, and auditors flag about one sampled record in ten.
 */
export const PRIOR_RATES: EstimateRates = { invalidRate: 0.05, defectRate: 0.1, from: 'prior' };

/** Token and cost estimate of a run, with no model call (`synthfarm plan`). */
export interface CostEstimate {
  datasets: Array<{ name: string; calls: number; tokensIn: number; tokensOut: number }>;
  backends: Record<string, Usage & { cost: number; firstPassCalls: number }>;
  totalCost: number;
  /** Calls, tokens and cost over all backends. */
  total: Usage & { cost: number };
  rates: EstimateRates;
}

const CHARS_PER_TOKEN = 4;
/** Tokens a repair line adds per record: the validation errors of its previous answer. */
const REPAIR_NOTE_TOKENS = 20;
/** The audit call's instructions, and its verdict per record ({"ok":false,"problem":"..."}). */
const AUDIT_SYSTEM_TOKENS = 80;
const AUDIT_VERDICT_TOKENS = 12;

/** What one batch's model calls are made of, per dataset: prompt sizes, fields and the chain. */
interface DatasetModel {
  name: string;
  perCall: number;
  /** Backends the generate stage tries in order (the generate backend, then its fallbacks). */
  chain: string[];
  gen: { systemTokens: number; inPerRecord: number; outPerRecord: number };
  enrich?: { systemTokens: number; inPerRecord: number; outPerRecord: number } | undefined;
  /** Tokens of a record as the auditor sees it. */
  auditPerRecord: number;
  /** Fast fields regenerated on the quality backend (tokens as `gen`'s). */
  regenerates: boolean;
}

/**
 * The cost model of a spec's model stages: per batch and backend, the expected calls and tokens
 * of the first pass, repair rounds, escalations to fallbacks, the enrich sample, the audit and
 * the audit's expected regenerations. Built from the prompts synthfarm would send for a few
 * sample records (made by the real code stage) and each field's output budget.
 */
export interface CostModel {
  /** Expected usage per backend of a batch of `records` records of dataset `d`. */
  batch(d: number, records: number, rates?: EstimateRates): Record<string, Usage>;
  /** USD per backend of such a batch. */
  batchCost(d: number, records: number, rates?: EstimateRates): Record<string, number>;
  /** The whole run. */
  run(rates?: EstimateRates): CostEstimate;
}

/** Builds the {@link CostModel} of a run's spec (enrich fields as columns, see `runSpec`). */
export async function createCostModel(spec: Spec, enrichFields: ReadonlySet<string> = new Set()): Promise<CostModel> {
  const fakers = await FakerRegistry.forSpec(spec);
  const gen = generateBackendName(spec);
  const chain = gen ? [gen, ...spec.stages.generate.fallback.filter((n) => n !== gen)].filter((n) => spec.backends[n]) : [];
  const e = spec.stages.enrich;
  const R = spec.stages.generate.repairAttempts;
  const models = spec.datasets.map((ds, d): DatasetModel | undefined => {
    if (!isModelDataset(ds)) return undefined;
    const fields = modelFieldsOf(ds, `datasets[${d}]`, enrichFields);
    const perCall = ds.recordsPerCall ?? Math.min(DEFAULT_RECORDS_PER_CALL, ds.batchSize);
    const compiled = ds.fields ? new CompiledDataset(spec, d, fakers) : undefined;
    const sample = Array.from({ length: Math.min(perCall, ds.count) }, (_, i) => ({ index: i, record: compiled ? compiled.generate(i) : {} }));
    const sizes = (fs: ModelField[]) => {
      const { system, prompt } = buildPrompt(ds.name, fs, sample);
      return { systemTokens: system.length / CHARS_PER_TOKEN, inPerRecord: prompt.length / CHARS_PER_TOKEN / Math.max(1, sample.length), outPerRecord: fs.reduce((n, f) => n + f.tokens + 4, 4) };
    };
    const enrichSpecs = Object.entries(e?.fields ?? {}).map(([n, f]) => llmField(n, f as LlmFieldSpec));
    return {
      name: ds.name, perCall, chain, gen: sizes(fields),
      enrich: e && enrichSpecs.length ? sizes(enrichSpecs) : undefined,
      auditPerRecord: sample.length ? sample.reduce((n, s) => n + JSON.stringify(s.record).length, 0) / sample.length / CHARS_PER_TOKEN + 3 : 20,
      regenerates: fields.length > 0,
    };
  });

  function batch(d: number, m: number, rates = PRIOR_RATES): Record<string, Usage> {
    const dm = models[d];
    const out: Record<string, Usage> = {};
    if (!dm || m <= 0) return out;
    const inScale = rates.tokensInScale ?? 1;
    const outScale = rates.tokensOutScale ?? 1;
    const add = (b: string, u: Usage, times = 1) => {
      const x = (out[b] ??= { calls: 0, tokensIn: 0, tokensOut: 0 });
      x.calls += u.calls * times;
      x.tokensIn += u.tokensIn * times * inScale;
      x.tokensOut += u.tokensOut * times * outScale;
    };
    const write = (backends: string[], n: number, size: DatasetModel['gen'], times = 1) => {
      let left = n;
      for (const b of backends) {
        for (let round = 0; round <= R && left > 1e-9; round++) {
          const calls = round === 0 && left === n ? Math.ceil(n / dm.perCall) : expectedCeil(left, dm.perCall);
          add(b, { calls, tokensIn: calls * size.systemTokens + left * (size.inPerRecord + (round > 0 ? REPAIR_NOTE_TOKENS : 0)), tokensOut: left * size.outPerRecord }, times);
          left *= rates.invalidRate;
        }
      }
    };
    write(dm.chain, m, dm.gen);
    if (e && spec.backends[e.backend]) {
      const sampled = m * e.sample;
      if (dm.enrich && sampled > 0) write([e.backend], sampled, dm.enrich);
      if (e.audit && sampled > 0) {
        const audits = 1 - Math.pow(1 - e.sample, m);
        add(e.backend, { calls: audits, tokensIn: audits * AUDIT_SYSTEM_TOKENS + sampled * dm.auditPerRecord, tokensOut: sampled * AUDIT_VERDICT_TOKENS });
        const pRegen = dm.regenerates ? binomialTailAbove(Math.max(1, Math.round(sampled)), rates.defectRate, e.maxDefectRate) : 0;
        if (pRegen > 0) write([e.backend], m, dm.gen, pRegen);
      }
    }
    return out;
  }

  const priced = (usage: Record<string, Usage>) => Object.fromEntries(Object.entries(usage).map(([b, u]) => [b, callCost(spec.backends[b]!, u.tokensIn, u.tokensOut)]));

  return {
    batch,
    batchCost: (d, m, rates) => priced(batch(d, m, rates)),
    run(rates = PRIOR_RATES) {
      const est: CostEstimate = { datasets: [], backends: {}, totalCost: 0, total: { calls: 0, tokensIn: 0, tokensOut: 0, cost: 0 }, rates };
      spec.datasets.forEach((ds, d) => {
        const dm = models[d];
        if (!dm) return;
        const full = Math.floor(ds.count / ds.batchSize);
        const rest = ds.count - full * ds.batchSize;
        const per: Record<string, Usage & { firstPassCalls: number }> = {};
        for (const [m, times] of [[ds.batchSize, full], [rest, 1]] as const) {
          if (!times || !m) continue;
          for (const [b, u] of Object.entries(batch(d, m, rates))) {
            const x = (per[b] ??= { calls: 0, tokensIn: 0, tokensOut: 0, firstPassCalls: 0 });
            x.calls += u.calls * times;
            x.tokensIn += u.tokensIn * times;
            x.tokensOut += u.tokensOut * times;
          }
          if (dm.chain[0]) (per[dm.chain[0]] ??= { calls: 0, tokensIn: 0, tokensOut: 0, firstPassCalls: 0 }).firstPassCalls += Math.ceil(m / dm.perCall) * times;
        }
        const sum = Object.values(per).reduce((n, u) => ({ calls: n.calls + u.calls, tokensIn: n.tokensIn + u.tokensIn, tokensOut: n.tokensOut + u.tokensOut }), { calls: 0, tokensIn: 0, tokensOut: 0 });
        est.datasets.push({ name: ds.name, calls: Math.round(sum.calls), tokensIn: Math.round(sum.tokensIn), tokensOut: Math.round(sum.tokensOut) });
        for (const [b, u] of Object.entries(per)) {
          const x = (est.backends[b] ??= { calls: 0, tokensIn: 0, tokensOut: 0, cost: 0, firstPassCalls: 0 });
          x.calls += u.calls;
          x.tokensIn += u.tokensIn;
          x.tokensOut += u.tokensOut;
          x.firstPassCalls += u.firstPassCalls;
        }
      });
      for (const [b, x] of Object.entries(est.backends)) {
        x.cost = Math.round(callCost(spec.backends[b]!, x.tokensIn, x.tokensOut) * 1e6) / 1e6;
        x.calls = Math.round(x.calls);
        x.tokensIn = Math.round(x.tokensIn);
        x.tokensOut = Math.round(x.tokensOut);
        est.total.calls += x.calls;
        est.total.tokensIn += x.tokensIn;
        est.total.tokensOut += x.tokensOut;
        est.total.cost += x.cost;
      }
      est.total.cost = Math.round(est.total.cost * 1e6) / 1e6;
      est.totalCost = est.total.cost;
      return est;
    },
  };
}

/**
 * The estimate of a whole run (`synthfarm plan`): first pass, repairs, escalations, enrich,
 * audit and expected regenerations, at `rates` (default {@link PRIOR_RATES}).
 */
export async function estimateCost(spec: Spec, enrichFields: ReadonlySet<string> = new Set(), rates: EstimateRates = PRIOR_RATES): Promise<CostEstimate> {
  return (await createCostModel(spec, enrichFields)).run(rates);
}

/** E[ceil(X / per)] for X ~ Poisson(mean): the calls a repair round of `mean` expected records makes. */
export function expectedCeil(mean: number, per: number): number {
  if (mean <= 0) return 0;
  if (mean > 500) return mean / per + 0.5;
  let p = Math.exp(-mean);
  let sum = 0;
  const top = Math.ceil(mean + 12 * Math.sqrt(mean) + 12);
  for (let k = 1; k <= top; k++) {
    p *= mean / k;
    sum += p * Math.ceil(k / per);
  }
  return sum;
}

/** P(X / n > rate) for X ~ Binomial(n, p): the chance an audited sample of n passes maxDefectRate. */
export function binomialTailAbove(n: number, p: number, rate: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return rate < 1 ? 1 : 0;
  let tail = 0;
  let logC = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    if (k / n > rate) tail += Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
  }
  return Math.min(1, tail);
}
