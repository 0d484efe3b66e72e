// Token and cost benchmark of the model stages (`npm run bench:tokens`). Not a test: it prints figures.
//
// Against one in-process simulated Ollama host (fast enough that time does not matter), the same
// 2,000-record, 12-field dataset is generated two ways:
//   (a) synthfarm: 9 code fields + 3 llm fields, 25 records per structured call;
//   (b) whole record per call, as LLMockApi does: a `shape:` dataset of the same 12 fields, 1 per call.
// Then the quality backend's cost with a 10% enrich sample (+ audit) is set against running
// everything on the quality backend. The sim counts output tokens as ~chars/4 of the JSON it
// writes, so a 12-field record costs more than 3 fields: that is the point being measured.
//
// Targets: (b)/(a) output tokens per record >= 5, calls per record >= 20; spot-check quality
// cost <= 15% of all-quality. Exits 0 whatever the figures.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmbedded } from '@synthfarm/engine';
import { createSimServer } from '@synthfarm/sim';
import { parseSpecText } from '@synthfarm/spec';
import { createModelStages } from '@synthfarm/stages';

const COUNT = 2000;
const COSTS = {
  fast: { costPer1kInput: 0.00002, costPer1kOutput: 0.00008 },
  // About ten times the fast model, like a hosted mid-size model next to a local small one.
  quality: { costPer1kInput: 0.0002, costPer1kOutput: 0.0008 },
};

// A load-test customer as users write them: ids, contact details, addresses and timestamps
// are code's job (exact, unique, cheap); the model writes only the three text-ish fields.
const CODE_FIELDS = {
  id: { kind: 'uuid' },
  firstName: { kind: 'faker', method: 'person.firstName' },
  lastName: { kind: 'faker', method: 'person.lastName' },
  email: { kind: 'template', template: '{{firstName}}.{{lastName}}@example.com', lower: true },
  phone: { kind: 'faker', method: 'phone.number' },
  street: { kind: 'faker', method: 'location.streetAddress' },
  city: { kind: 'faker', method: 'location.city' },
  signedUpAt: { kind: 'datetime', from: '2020-01-01', to: '2025-12-31' },
  tier: { kind: 'choice', weights: { free: 0.7, premium: 0.25, enterprise: 0.05 } },
};
const LLM_FIELDS = {
  bio: { kind: 'llm', prompt: 'One sentence about {{firstName}}, a {{tier}} customer from {{city}}', maxLength: 160 },
  mood: { kind: 'llm', prompt: 'their mood in the last support ticket', values: ['happy', 'neutral', 'grumpy'] },
  score: { kind: 'llm', prompt: 'satisfaction score they would give', type: 'integer', min: 1, max: 10 },
};
/** The same 12 fields as an LLMockApi-style shape: the model writes all of them. */
const SHAPE = {
  id: 'a UUID',
  firstName: 'a first name',
  lastName: 'a last name',
  email: 'an email address',
  phone: 'a phone number',
  street: 'a street address',
  city: 'a city',
  signedUpAt: 'ISO-8601',
  tier: 'free|premium|enterprise',
  bio: 'one sentence about this customer',
  mood: 'happy|neutral|grumpy',
  score: 0,
};

const sim = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7, slots: 8, maxQueue: 4096 });
const { url } = await sim.listen(0);
const root = await mkdtemp(join(tmpdir(), 'synthfarm-bench-tokens-'));

const backends = {
  fast: { provider: 'ollama', model: 'gemma3:4b', hosts: [url], slots: 8, maxRetries: 2, ...COSTS.fast },
  quality: { provider: 'openai', model: 'qwen2.5:7b', baseUrl: `${url}/v1`, slots: 8, maxRetries: 2, ...COSTS.quality },
};

/** One run, in process, no response cache; returns manifest figures and the sim's own counts. */
async function run(label, spec) {
  const out = join(root, label);
  const loaded = parseSpecText(JSON.stringify({ seed: 42, backends, ...spec }), `${label}.json`, { overrides: { outDir: out } });
  sim.reset();
  const t0 = performance.now();
  const model = await createModelStages(loaded, { cacheDir: undefined });
  let manifest;
  try {
    manifest = await runEmbedded({ loaded, stages: model.stages, shouldStop: model.shouldStop, windowFor: model.windowFor, manifestExtras: model.manifestExtras });
  } finally {
    await model.close();
  }
  const ms = performance.now() - t0;
  const ds = Object.values(manifest.datasets)[0];
  const b = manifest.backends;
  const sum = (k) => Object.values(b).reduce((n, x) => n + x[k], 0);
  const st = sim.stats();
  const gen = (st.requests['POST /api/chat'] ?? 0) + (st.requests['POST /v1/chat/completions'] ?? 0);
  return {
    label, status: manifest.status, written: ds.written, rejected: ds.rejected, ms,
    calls: sum('calls'), tokensIn: sum('tokensIn'), tokensOut: sum('tokensOut'), cost: sum('cost'),
    byBackend: b, simCalls: gen, simTokensOut: st.tokensOut, audit: manifest.audit,
  };
}

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const fmt = (x, d = 2) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const usd = (x) => `$${x.toFixed(5)}`;
const verdict = (ok) => (ok ? 'MET' : 'MISSED');

try {
  console.log(`synthfarm token benchmark: ${COUNT} records, 12 fields, one simulated host (${url}), no cache\n`);

  // ---- 1. synthfarm's way vs whole record per call -------------------------------------------
  const a = await run('a-synthfarm', {
    datasets: [{ name: 'customers', count: COUNT, batchSize: 250, recordsPerCall: 25, fields: { ...CODE_FIELDS, ...LLM_FIELDS } }],
    stages: { generate: { backend: 'fast' } },
  });
  const b = await run('b-whole-record', {
    datasets: [{ name: 'customers', count: COUNT, batchSize: 250, recordsPerCall: 1, shape: SHAPE }],
    stages: { generate: { backend: 'fast' } },
  });
  for (const r of [a, b]) {
    if (r.simCalls !== r.calls || r.simTokensOut !== r.tokensOut) console.log(`  note: ${r.label}: manifest and sim disagree (calls ${r.calls}/${r.simCalls}, tokens out ${r.tokensOut}/${r.simTokensOut})`);
  }
  const per = (r) => ({ out: r.tokensOut / r.written, in: r.tokensIn / r.written, calls: r.calls / r.written, cost: r.cost / r.written });
  const pa = per(a);
  const pb = per(b);
  const tokRatio = pb.out / pa.out;
  const callRatio = pb.calls / pa.calls;

  console.log('1. generation: 9 code + 3 llm fields batched (a) vs 12 model fields, 1 record per call (b)');
  console.log(`   ${pad('', 30)}${lpad('written', 9)}${lpad('calls', 8)}${lpad('out tok/rec', 13)}${lpad('in tok/rec', 12)}${lpad('calls/rec', 11)}${lpad('cost', 11)}${lpad('time', 9)}`);
  for (const [r, p] of [[a, pa], [b, pb]]) {
    console.log(`   ${pad(r.label, 30)}${lpad(r.written, 9)}${lpad(r.calls, 8)}${lpad(fmt(p.out, 1), 13)}${lpad(fmt(p.in, 1), 12)}${lpad(fmt(p.calls, 4), 11)}${lpad(usd(r.cost), 11)}${lpad(`${fmt(r.ms / 1000, 1)} s`, 9)}`);
  }
  console.log(`   ratio b/a: output tokens per record ${fmt(tokRatio, 1)}x (target >= 5x: ${verdict(tokRatio >= 5)}), calls per record ${fmt(callRatio, 1)}x (target >= 20x: ${verdict(callRatio >= 20)}), input tokens per record ${fmt(pb.in / pa.in, 1)}x`);
  // The output ratio is bounded by how much of a whole record the model-written fields are: a
  // free-text field is most of a record's characters whoever writes the other nine.
  console.log(`   the 3 model fields are ${fmt((pa.out / pb.out) * 100, 0)}% of a whole record's output tokens (the ${LLM_FIELDS.bio.maxLength}-char bio dominates); a >= 5x output saving needs them to be <= 20%\n`);

  // ---- 2. spot-check on the quality backend vs everything on it ------------------------------
  const enrich = (maxDefectRate) => ({
    backend: 'quality', sample: 0.1, audit: true, maxDefectRate,
    fields: { persona: { kind: 'llm', prompt: 'a short marketing persona label for {{firstName}}', maxLength: 40 } },
  });
  const dataset = [{ name: 'customers', count: COUNT, batchSize: 250, recordsPerCall: 25, fields: { ...CODE_FIELDS, ...LLM_FIELDS } }];
  // maxDefectRate 1: the audit scores the sample but never regenerates. The sim's auditor answers
  // ok/not-ok at random (~50% "defects"), which says nothing about a real model's output quality.
  const c = await run('c-spot-check', { datasets: dataset, stages: { generate: { backend: 'fast' }, enrich: enrich(1) } });
  const d = await run('d-all-quality', { datasets: dataset, stages: { generate: { backend: 'quality' }, enrich: enrich(1) } });
  const cRegen = await run('c-spot-check-regen', { datasets: dataset, stages: { generate: { backend: 'fast' }, enrich: enrich(0.2) } });
  const qc = (r) => r.byBackend.quality?.cost ?? 0;
  const costRatio = qc(c) / d.cost;

  console.log('2. quality backend: 10% enrich sample + audit (c) vs generate on quality too (d)');
  console.log(`   ${pad('', 30)}${lpad('quality calls', 14)}${lpad('quality cost', 14)}${lpad('fast cost', 12)}${lpad('total cost', 12)}${lpad('sampled', 9)}${lpad('audited', 9)}${lpad('regen', 7)}`);
  for (const r of [c, d, cRegen]) {
    const q = r.byBackend.quality ?? { calls: 0, cost: 0 };
    const f = r.byBackend.fast ?? { cost: 0 };
    console.log(`   ${pad(r.label, 30)}${lpad(q.calls, 14)}${lpad(usd(q.cost), 14)}${lpad(usd(f.cost), 12)}${lpad(usd(r.cost), 12)}${lpad(r.audit?.sampled ?? '-', 9)}${lpad(r.audit?.audited ?? '-', 9)}${lpad(r.audit?.regeneratedBatches?.length ?? '-', 7)}`);
  }
  console.log(`   quality cost (c) / all-quality cost (d): ${fmt(costRatio * 100, 1)}% (target <= 15%: ${verdict(costRatio <= 0.15)}); whole run (c) / (d): ${fmt((c.cost / d.cost) * 100, 1)}%`);
  console.log(`   with maxDefectRate 0.2 the sim's coin-flip auditor flags ${cRegen.audit.regeneratedBatches.length} of ${COUNT / 250} batches for regeneration on quality: ${fmt((qc(cRegen) / d.cost) * 100, 1)}% (not meaningful for a real model)\n`);

  // ---- summary ---------------------------------------------------------------------------------
  const rows = [
    ['output tokens / record', fmt(pa.out, 1), fmt(pb.out, 1), `${fmt(tokRatio, 1)}x`, '>= 5x', verdict(tokRatio >= 5)],
    ['calls / record', fmt(pa.calls, 4), fmt(pb.calls, 4), `${fmt(callRatio, 1)}x`, '>= 20x', verdict(callRatio >= 20)],
    ['cost / record (USD)', pa.cost.toExponential(2), pb.cost.toExponential(2), `${fmt(pb.cost / pa.cost, 1)}x`, '', ''],
    ['quality cost: spot-check vs all', usd(qc(c)), usd(d.cost), `${fmt(costRatio * 100, 1)}%`, '<= 15%', verdict(costRatio <= 0.15)],
  ];
  const w = [34, 13, 13, 9, 9, 7];
  console.log('summary');
  console.log(`   ${['figure', 'synthfarm', 'baseline', 'ratio', 'target', ''].map((h, i) => (i ? lpad(h, w[i]) : pad(h, w[i]))).join('')}`);
  for (const r of rows) console.log(`   ${r.map((x, i) => (i ? lpad(x, w[i]) : pad(x, w[i]))).join('')}`);
  console.log('   (baseline: whole record per call for the first three rows; everything on the quality backend for the last)');
} finally {
  await sim.close();
  await rm(root, { recursive: true, force: true });
}
