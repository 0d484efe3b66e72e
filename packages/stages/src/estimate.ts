import { callCost } from '@synthfarm/llm';
import { CompiledDataset, FakerRegistry } from '@synthfarm/codegen';
import type { Spec } from '@synthfarm/spec';
import { isModelDataset } from './enrich-fields.js';
import { DEFAULT_RECORDS_PER_CALL, generateBackendName } from './fast-generate-stage.js';
import { llmField, modelFieldsOf } from './model-fields.js';
import { buildPrompt } from './prompt.js';
import type { LlmFieldSpec } from '@synthfarm/spec';

/** Token and cost estimate of a run, with no model call (`synthfarm plan`). */
export interface CostEstimate {
  datasets: Array<{ name: string; calls: number; tokensIn: number; tokensOut: number }>;
  backends: Record<string, { calls: number; tokensIn: number; tokensOut: number; cost: number }>;
  totalCost: number;
}

const CHARS_PER_TOKEN = 4;

/**
 * Estimates calls and tokens from the prompts synthfarm would send for a few sample records
 * (built from the real code stage) and from each field's output budget. Repairs, retries and
 * cache hits are not in it: it is the cost of a clean first run.
 */
export async function estimateCost(spec: Spec, enrichFields: ReadonlySet<string> = new Set()): Promise<CostEstimate> {
  const out: CostEstimate = { datasets: [], backends: {}, totalCost: 0 };
  const gen = generateBackendName(spec);
  const fakers = await FakerRegistry.forSpec(spec);
  const add = (name: string | undefined, calls: number, tokensIn: number, tokensOut: number) => {
    if (!name || !spec.backends[name]) return;
    const b = (out.backends[name] ??= { calls: 0, tokensIn: 0, tokensOut: 0, cost: 0 });
    const s = spec.backends[name]!;
    b.calls += calls;
    b.tokensIn += tokensIn;
    b.tokensOut += tokensOut;
    b.cost += callCost(s, tokensIn, tokensOut);
  };
  spec.datasets.forEach((ds, d) => {
    if (!isModelDataset(ds)) return;
    const fields = modelFieldsOf(ds, `datasets[${d}]`, enrichFields);
    const perCall = ds.recordsPerCall ?? Math.min(DEFAULT_RECORDS_PER_CALL, ds.batchSize);
    const compiled = ds.fields ? new CompiledDataset(spec, d, fakers) : undefined;
    const sample = Array.from({ length: Math.min(perCall, ds.count) }, (_, i) => ({ index: i, record: compiled ? compiled.generate(i) : {} }));
    const { system, prompt } = buildPrompt(ds.name, fields, sample);
    const perRecordIn = prompt.length / CHARS_PER_TOKEN / sample.length;
    const batches = Math.ceil(ds.count / ds.batchSize);
    const callsPerBatch = Math.ceil(Math.min(ds.batchSize, ds.count) / perCall);
    const calls = batches * callsPerBatch;
    const tokensIn = Math.round(calls * (system.length / CHARS_PER_TOKEN) + ds.count * perRecordIn);
    const tokensOut = Math.round(ds.count * fields.reduce((n, f) => n + f.tokens + 4, 4));
    out.datasets.push({ name: ds.name, calls, tokensIn, tokensOut });
    add(gen, calls, tokensIn, tokensOut);
    const e = spec.stages.enrich;
    if (e) {
      const sampled = Math.ceil(ds.count * e.sample);
      const enrichSpecs = Object.entries(e.fields ?? {}).map(([n, f]) => llmField(n, f as LlmFieldSpec));
      const eOut = sampled * enrichSpecs.reduce((n, f) => n + f.tokens + 4, 4);
      const eCalls = enrichSpecs.length ? batches : 0;
      const auditCalls = e.audit ? batches : 0;
      add(e.backend, eCalls + auditCalls, Math.round(sampled * perRecordIn * (enrichSpecs.length ? 2 : 1) + (eCalls + auditCalls) * 150), eOut + (e.audit ? sampled * 12 : 0));
    }
  });
  out.totalCost = Object.values(out.backends).reduce((n, b) => n + b.cost, 0);
  for (const b of Object.values(out.backends)) b.cost = Math.round(b.cost * 1e6) / 1e6;
  out.totalCost = Math.round(out.totalCost * 1e6) / 1e6;
  return out;
}
