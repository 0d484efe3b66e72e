// Routing benchmark (`npm run bench:routing`). Not a test: it prints figures.
//
// Three simulated models with quality knobs fixed up front by issue #10, one sim host each (so
// one model's slots never wait on another's):
//   cheap   price 1,  200 tok/s per slot, breaks constraints on 30% of hard fields, 5% of easy ones
//   mid     price 4,  120 tok/s,           8% / 1%
//   premium price 20,  60 tok/s,           1% / 0.2%
// "price" is USD per 1k tokens, prompt and answer alike (costPer1kInput = costPer1kOutput).
// Hard fields (the sim's rule): free text with maxLength >= 50, and enums whose instruction
// depends on the record. Easy: short enums with a fixed instruction, numbers, booleans.
//
// The same spec (easy and hard fields mixed) is run, in one process and one run of this script,
// under always-premium, always-cheap-with-fallback (today's chain: cheap → mid → premium),
// cheapest, cascade and learned (from no weights). Reported per policy: cost per accepted record,
// acceptance rate, wall time, calls. Targets (issue #10): learned and cascade >= 85% cheaper than
// always-premium at >= 99% of its acceptance, and cheaper than the fallback chain; learned within
// 10% of the best static policy's cost per accepted record after its first 20 batches.
// Exits 0 whatever the figures; wall times are noisy on a shared machine.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmbedded } from '@synthfarm/engine';
import { createSimServer } from '@synthfarm/sim';
import { parseSpecText } from '@synthfarm/spec';
import { createModelStages } from '@synthfarm/stages';

const COUNT = Number(process.env.ROUTING_BENCH_COUNT ?? 600);
const BATCH = 10;
const SLOTS = 16;
const MODELS = {
  cheap: { model: 'cheap:1b', price: 1, tps: 200, hard: 0.3, easy: 0.05 },
  mid: { model: 'mid:8b', price: 4, tps: 120, hard: 0.08, easy: 0.01 },
  premium: { model: 'premium:70b', price: 20, tps: 60, hard: 0.01, easy: 0.002 },
};

const sims = {};
const backends = {};
for (const [name, m] of Object.entries(MODELS)) {
  const sim = createSimServer({ models: [m.model], slots: SLOTS, maxQueue: 4096, seed: 7, quality: { [m.model]: { hardBreakRate: m.hard, easyBreakRate: m.easy, tokensPerSecond: m.tps } } });
  const { url } = await sim.listen(0);
  sims[name] = sim;
  backends[name] = { provider: 'ollama', model: m.model, hosts: [url], slots: SLOTS, maxRetries: 2, costPer1kInput: m.price, costPer1kOutput: m.price };
}

const fields = {
  id: { kind: 'sequence' },
  firstName: { kind: 'faker', method: 'person.firstName' },
  city: { kind: 'faker', method: 'location.city' },
  tier: { kind: 'choice', weights: { free: 0.7, premium: 0.25, enterprise: 0.05 } },
  age: { kind: 'normal', mean: 38, sd: 12, min: 18, max: 90, integer: true },
  // easy: short enums with a fixed instruction, numbers, a boolean
  mood: { kind: 'llm', prompt: 'their mood in the last support ticket', values: ['happy', 'neutral', 'grumpy'] },
  score: { kind: 'llm', prompt: 'satisfaction score they would give', type: 'integer', min: 1, max: 10 },
  churnRisk: { kind: 'llm', prompt: 'whether they are likely to leave', type: 'boolean' },
  // hard: long text with a length limit, an enum that depends on the record
  bio: { kind: 'llm', prompt: 'Two sentences about {{firstName}}, a {{tier}} customer aged {{age}} from {{city}}', maxLength: 160 },
  segment: { kind: 'llm', prompt: 'the marketing segment of a {{tier}} customer aged {{age}}', values: ['student', 'starter', 'family', 'professional', 'executive', 'retired'] },
};

const policies = {
  'always-premium': { route: 'fixed', backend: 'premium' },
  'cheap+fallback': { route: 'fixed', backend: 'cheap', fallback: ['mid', 'premium'] },
  cheapest: { route: 'cheapest', backends: ['cheap', 'mid', 'premium'] },
  cascade: { route: 'cascade', backends: ['cheap', 'mid', 'premium'] },
  learned: { route: 'learned', backends: ['cheap', 'mid', 'premium'] },
};

const root = await mkdtemp(join(tmpdir(), 'synthfarm-bench-routing-'));
const rows = {};
try {
  for (const [label, generate] of Object.entries(policies)) {
    const out = join(root, label);
    const spec = { seed: 42, name: 'customers', count: COUNT, batchSize: BATCH, recordsPerCall: BATCH, fields, stages: { generate }, backends };
    const loaded = parseSpecText(JSON.stringify(spec), `${label}.json`, { overrides: { outDir: out } });
    const model = await createModelStages(loaded, { cacheDir: undefined });
    const t0 = performance.now();
    let manifest;
    try {
      manifest = await runEmbedded({ loaded, model, threads: 1, freshWeights: true });
    } finally {
      await model.close();
    }
    const wallMs = performance.now() - t0;
    const b = Object.values(manifest.backends);
    const cost = b.reduce((n, x) => n + (x.cost ?? 0), 0);
    const calls = b.reduce((n, x) => n + (x.calls ?? 0), 0);
    const written = manifest.datasets.customers.written;
    // Per batch, from the event log: cost and records written, for "after its first 20 batches".
    const perBatch = new Map();
    for (const line of (await readFile(join(out, 'events.jsonl'), 'utf8')).split('\n').filter(Boolean)) {
      const e = JSON.parse(line);
      if (e.type === 'backend_call' && e.batch !== undefined) perBatch.set(e.batch, { ...(perBatch.get(e.batch) ?? { cost: 0, written: 0 }), cost: (perBatch.get(e.batch)?.cost ?? 0) + e.cost });
      if (e.type === 'batch_committed') perBatch.set(e.batch, { ...(perBatch.get(e.batch) ?? { cost: 0, written: 0 }), written: e.written });
    }
    const late = [...perBatch].filter(([k]) => k >= 20).map(([, v]) => v);
    const lateCost = late.reduce((n, v) => n + v.cost, 0) / Math.max(1, late.reduce((n, v) => n + v.written, 0));
    const byBackend = Object.fromEntries(Object.entries(manifest.backends).map(([n, x]) => [n, x.calls]));
    rows[label] = { cost, calls, written, acceptance: written / COUNT, wallMs, perAccepted: cost / Math.max(1, written), lateCost, byBackend, status: manifest.status };
    process.stderr.write(`[bench:routing] ${label}: ${manifest.status}, ${written}/${COUNT} written, $${cost.toFixed(2)}, ${calls} calls, ${(wallMs / 1000).toFixed(1)} s\n`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
  await Promise.all(Object.values(sims).map((s) => s.close()));
}

const premium = rows['always-premium'];
const chain = rows['cheap+fallback'];
const pad = (s, n) => String(s).padEnd(n);
console.log(`\nbench:routing — ${COUNT} records, batches of ${BATCH}, 3 simulated models (${SLOTS} slots each); machine shared with other jobs, wall times are noisy\n`);
console.log(`${pad('policy', 16)}${pad('$/accepted', 12)}${pad('vs premium', 12)}${pad('accepted', 10)}${pad('wall s', 9)}${pad('calls', 8)}${pad('$/acc after 20 batches', 24)}calls by backend`);
for (const [label, r] of Object.entries(rows)) {
  console.log(`${pad(label, 16)}${pad(r.perAccepted.toFixed(4), 12)}${pad(`-${((1 - r.perAccepted / premium.perAccepted) * 100).toFixed(1)}%`, 12)}${pad(`${(r.acceptance * 100).toFixed(2)}%`, 10)}${pad((r.wallMs / 1000).toFixed(1), 9)}${pad(r.calls, 8)}${pad(r.lateCost.toFixed(4), 24)}${JSON.stringify(r.byBackend)}`);
}
const statics = ['always-premium', 'cheap+fallback', 'cheapest', 'cascade'].map((k) => rows[k].lateCost);
const bestStatic = Math.min(...statics);
const check = (ok, what) => console.log(`${ok ? 'MET    ' : 'MISSED '} ${what}`);
console.log('');
for (const p of ['learned', 'cascade']) {
  const r = rows[p];
  check(r.perAccepted <= 0.15 * premium.perAccepted, `${p} >= 85% cheaper than always-premium (${((1 - r.perAccepted / premium.perAccepted) * 100).toFixed(1)}%)`);
  check(r.acceptance >= 0.99 * premium.acceptance, `${p} acceptance >= 99% of always-premium's (${((r.acceptance / premium.acceptance) * 100).toFixed(2)}%)`);
  check(r.perAccepted < chain.perAccepted, `${p} cheaper per accepted record than the fallback chain (${r.perAccepted.toFixed(4)} vs ${chain.perAccepted.toFixed(4)})`);
}
check(rows.learned.lateCost <= 1.1 * bestStatic, `learned within 10% of the best static policy after 20 batches (${rows.learned.lateCost.toFixed(4)} vs ${bestStatic.toFixed(4)})`);
