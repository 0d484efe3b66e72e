// Integration tests of the model stages (issue 3): fast-generate, validate → repair → fallback →
// reject, spot-check enrich and audit, offline, budget, cache, plan estimate and secrets, against
// simulated Ollama hosts started in this process. Runs go through `runEmbedded` +
// `createModelStages` (what `synthfarm run` wires) or through the real CLI where the exit code,
// stdout or stderr is the behaviour under test.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledDataset, FakerRegistry } from '@synthfarm/codegen';
import { runEmbedded, type AuditSummary, type Manifest } from '@synthfarm/engine';
import type { BackendStats } from '@synthfarm/llm';
import { createSimServer, type SimOptionsInput, type SimServer } from '@synthfarm/sim';
import { parseSpecText } from '@synthfarm/spec';
import { createModelStages, createSampler } from '@synthfarm/stages';

const CLI = fileURLToPath(new URL('../apps/cli/bin/synthfarm.js', import.meta.url));
/** Near-instant generation: the tests measure behaviour, not time. */
const FAST_SIM: SimOptionsInput = { tokensPerSecond: 1e6, promptTokensPerSecond: 1e7 };
/** Millisecond backoff so retries do not slow the suite (the CLI keeps its defaults). */
const FAST_DEPS = { retryBaseMs: 1, retryMaxMs: 5 };
const MOODS = ['happy', 'neutral', 'grumpy'];

type Rec = Record<string, unknown>;
interface Reject { dataset: string; index: number; reason: string; error: string; attempts?: number }
type Backends = Record<string, BackendStats & { provider: string; model: string }>;
interface RunResult { manifest: Manifest; backends: Backends; out: string; records: (ds: string) => Promise<Rec[]>; rejects: Reject[] }

const sims: SimServer[] = [];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthfarm-model-stages-'));
});

afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

async function startSim(opts: SimOptionsInput = {}): Promise<{ sim: SimServer; url: string }> {
  const sim = createSimServer({ ...FAST_SIM, ...opts });
  sims.push(sim);
  const { url } = await sim.listen(0);
  return { sim, url };
}

/** Model calls a sim answered or refused (both APIs), leaving out listings and checks. */
function generations(sim: SimServer): number {
  const r = sim.stats().requests;
  return (r['POST /api/chat'] ?? 0) + (r['POST /api/generate'] ?? 0) + (r['POST /v1/chat/completions'] ?? 0);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let dirs = 0;
/** A path under this suite's temp dir that does not exist yet. */
function freshDir(label: string): string {
  return join(root, `${label}-${++dirs}`);
}

async function readJsonl<T = Rec>(file: string): Promise<T[]> {
  if (!existsSync(file)) return [];
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

/** People with code fields and three llm fields: free text with placeholders, an enum, an integer range. */
function peopleSpec(url: string): Rec & { datasets: Array<Rec & { fields: Rec }>; backends: Record<string, Rec>; stages: Rec & { generate: Rec } } {
  return {
    seed: 7,
    datasets: [
      {
        name: 'people',
        count: 200,
        batchSize: 100,
        recordsPerCall: 20,
        fields: {
          id: { kind: 'sequence' },
          firstName: { kind: 'faker', method: 'person.firstName' },
          age: { kind: 'normal', mean: 40, sd: 10, integer: true, min: 18, max: 90 },
          tier: { kind: 'choice', weights: { free: 0.7, premium: 0.3 } },
          bio: { kind: 'llm', prompt: 'One sentence about {{firstName}}, a {{tier}} customer aged {{age}}', maxLength: 120 },
          mood: { kind: 'llm', prompt: 'their mood today', values: MOODS },
          score: { kind: 'llm', prompt: 'how satisfied they are', type: 'integer', min: 1, max: 10 },
        },
      },
    ],
    stages: { generate: { backend: 'fast' } },
    backends: {
      fast: { provider: 'ollama', model: 'gemma3:4b', hosts: [url], slots: 4, maxRetries: 2, costPer1kInput: 0.0001, costPer1kOutput: 0.0002 },
    },
  };
}

/** Runs a spec in process the way `synthfarm run` does. */
async function runSpec(spec: unknown, opts: { cacheDir?: string; offline?: boolean; maxCostUsd?: number; out?: string } = {}): Promise<RunResult> {
  const out = opts.out ?? (freshDir('out'));
  const loaded = parseSpecText(JSON.stringify(spec), 'spec.json', { overrides: { outDir: out } });
  const model = await createModelStages(loaded, { offline: opts.offline ?? false, maxCostUsd: opts.maxCostUsd, cacheDir: opts.cacheDir, deps: FAST_DEPS });
  let manifest: Manifest;
  try {
    manifest = await runEmbedded({
      loaded, threads: 0, offline: opts.offline ?? false,
      model,
    });
  } finally {
    await model.close();
  }
  return {
    manifest,
    backends: manifest.backends as Backends,
    out,
    records: (ds) => readJsonl(join(out, `${ds}.jsonl`)),
    rejects: await readJsonl<Reject>(join(out, 'rejects.jsonl')),
  };
}

/** `written + rejected = requested`, the files agree with the manifest, and every reject says why. */
async function expectAccounted(r: RunResult): Promise<void> {
  for (const [name, d] of Object.entries(r.manifest.datasets)) {
    expect(d.written + d.rejected, `${name}: written + rejected`).toBe(d.requested);
    expect((await r.records(name)).length, `${name}.jsonl rows`).toBe(d.written);
    expect(r.rejects.filter((x) => x.dataset === name).length, `${name} rejects`).toBe(d.rejected);
  }
  for (const x of r.rejects) {
    expect(x.reason).toMatch(/\S/);
    expect(x.error).toMatch(/\S/);
    expect(Number.isInteger(x.index)).toBe(true);
  }
}

/** Written ids and rejected indexes of a sequence-keyed dataset cover 0..count-1 exactly once. */
async function expectEveryIndexOnce(r: RunResult, ds: string, count: number): Promise<void> {
  const seen = [...(await r.records(ds)).map((x) => (x.id as number) - 1), ...r.rejects.filter((x) => x.dataset === ds).map((x) => x.index)];
  expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
}

function expectValidPerson(p: Rec): void {
  expect(typeof p.bio).toBe('string');
  expect((p.bio as string).length).toBeGreaterThan(0);
  expect((p.bio as string).length).toBeLessThanOrEqual(120);
  expect(MOODS).toContain(p.mood);
  expect(Number.isInteger(p.score)).toBe(true);
  expect(p.score).toBeGreaterThanOrEqual(1);
  expect(p.score).toBeLessThanOrEqual(10);
}

interface CliResult { code: number; stdout: string; stderr: string }
function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    // Async on purpose: the sims answer from this process's event loop.
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, SYNTHFARM_LOG_LEVEL: undefined, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function writeSpec(spec: unknown): Promise<string> {
  const file = `${freshDir('spec')}.json`;
  await writeFile(file, JSON.stringify(spec, null, 2));
  return file;
}

describe('fast-generate', () => {
  it('writes every llm field valid, N records per call, and accounts tokens and cost', async () => {
    const { sim, url } = await startSim();
    const spec = peopleSpec(url);
    const r = await runSpec(spec);
    await expectAccounted(r);
    expect(r.manifest.status).toBe('completed');
    expect(r.manifest.datasets.people).toMatchObject({ requested: 200, written: 200, rejected: 0 });

    const people = await r.records('people');
    for (const p of people) expectValidPerson(p);
    // Code fields are the code stage's, untouched by the model.
    const loaded = parseSpecText(JSON.stringify(spec), 'spec.json');
    const compiled = new CompiledDataset(loaded.spec, 0, await FakerRegistry.forSpec(loaded.spec));
    people.forEach((p, i) => {
      const code = compiled.generate(i);
      for (const f of ['id', 'firstName', 'age', 'tier']) expect(p[f], `record ${i}.${f}`).toEqual(code[f]);
    });
    // The model text varies between records (not one answer copied 200 times).
    expect(new Set(people.map((p) => p.bio)).size).toBeGreaterThan(150);

    // 200 records, 20 per call: 10 calls, not 200.
    expect(generations(sim)).toBe(10);
    const fast = r.backends.fast!;
    expect(fast).toMatchObject({ provider: 'ollama', model: 'gemma3:4b', calls: 10, failures: 0, retries: 0, cacheHits: 0 });
    const st = sim.stats();
    expect(fast.tokensIn).toBe(st.tokensIn);
    expect(fast.tokensOut).toBe(st.tokensOut);
    expect(fast.tokensOut).toBeGreaterThan(0);
    expect(fast.cost).toBeCloseTo((fast.tokensIn / 1000) * 0.0001 + (fast.tokensOut / 1000) * 0.0002, 10);
    const routing = [...r.manifest.routing].sort((a, b) => a.batch - b.batch);
    expect(routing).toEqual([0, 1].map((batch) => ({ dataset: 'people', batch, backend: 'fast', reason: 'generate backend (100 records)' })));
  });

  it('survives malformed answers and 500s: completes, and every record is written or rejected with a reason', async () => {
    const { sim, url } = await startSim({ faults: { malformedRate: 0.3, errorRate: 0.1 } });
    const spec = peopleSpec(url);
    spec.datasets[0]!.count = 300;
    const r = await runSpec(spec);
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    await expectEveryIndexOnce(r, 'people', 300);
    for (const p of await r.records('people')) expectValidPerson(p);
    expect(sim.stats().faults.malformed).toBeGreaterThan(0);
    expect(sim.stats().faults.error).toBeGreaterThan(0);
    // Repairs and retries are what rescued the faulted calls.
    expect(generations(sim)).toBeGreaterThan(15);
    expect(r.backends.fast!.retries).toBeGreaterThan(0);
  });

  it('with no repairs and no retries, faulted calls become rejects that name their reason and error', async () => {
    const { sim, url } = await startSim({ faults: { malformedRate: 0.3, errorRate: 0.1 } });
    const spec = peopleSpec(url);
    spec.datasets[0]!.count = 400;
    spec.stages.generate.repairAttempts = 0;
    spec.backends.fast!.maxRetries = 0;
    const r = await runSpec(spec);
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    await expectEveryIndexOnce(r, 'people', 400);
    expect(sim.stats().faults.total).toBeGreaterThan(0);
    expect(r.manifest.datasets.people!.rejected).toBeGreaterThan(0);
    for (const x of r.rejects) {
      expect(['invalid_model_output', 'backend_failed']).toContain(x.reason);
      expect(x.attempts).toBe(1);
    }
    // A faulted call loses its 20 records together: rejects come in whole calls.
    expect(r.manifest.datasets.people!.rejected % 20).toBe(0);
    for (const p of await r.records('people')) expectValidPerson(p);
  });
});

describe('validate → repair → fallback → reject', () => {
  let broken: { sim: SimServer; url: string };
  let healthy: { sim: SimServer; url: string };
  beforeAll(async () => {
    broken = await startSim({ faults: { malformedRate: 1 } });
    healthy = await startSim();
  });

  function spec(fallback: boolean) {
    const s = peopleSpec(broken.url);
    s.datasets[0]!.count = 100;
    s.datasets[0]!.batchSize = 50;
    s.datasets[0]!.recordsPerCall = 10;
    s.stages.generate = { backend: 'fast', repairAttempts: 0, ...(fallback ? { fallback: ['quality'] } : {}) };
    s.backends.quality = { provider: 'openai', model: 'qwen2.5:7b', baseUrl: `${healthy.url}/v1`, maxRetries: 1 };
    return s;
  }

  it('a backend that only answers broken JSON: every record is rejected invalid_model_output, none dropped', async () => {
    broken.sim.reset();
    const r = await runSpec(spec(false));
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    expect(r.manifest.datasets.people).toMatchObject({ requested: 100, written: 0, rejected: 100 });
    expect(r.rejects.map((x) => x.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const x of r.rejects) {
      expect(x).toMatchObject({ dataset: 'people', reason: 'invalid_model_output', attempts: 1 });
      expect(x.error).toMatch(/^\[backend:fast\] malformed JSON: /);
    }
    expect(generations(broken.sim)).toBe(10);
    expect(r.manifest.routing).toEqual([]);
  });

  it('with a fallback on a healthy host the same records are written, and routing says why', async () => {
    broken.sim.reset();
    healthy.sim.reset();
    const r = await runSpec(spec(true));
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    expect(r.manifest.datasets.people).toMatchObject({ requested: 100, written: 100, rejected: 0 });
    for (const p of await r.records('people')) expectValidPerson(p);
    expect(generations(broken.sim)).toBe(10);
    expect(generations(healthy.sim)).toBe(10);
    expect(r.manifest.routing).toHaveLength(2);
    for (const d of r.manifest.routing) {
      expect(d.backend).toBe('quality');
      expect(d.reason).toMatch(/^fallback: fast could not write 50 records \(50 records\)$/);
    }
    expect(r.backends.quality).toMatchObject({ provider: 'openai', calls: 10, failures: 0 });
  });
});

describe('hosts', () => {
  function twoHostSpec(hosts: string[]) {
    const s = peopleSpec(hosts[0]!);
    s.datasets[0]!.count = 200;
    s.datasets[0]!.batchSize = 50;
    s.datasets[0]!.recordsPerCall = 10;
    s.backends.fast = { ...s.backends.fast, hosts, slots: 2, maxRetries: 3 };
    return s;
  }

  it('one host of two has its port closed: all work goes to the other, output complete', async () => {
    const { sim, url } = await startSim();
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const r = await runSpec(twoHostSpec([dead, url]));
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    expect(r.manifest.datasets.people).toMatchObject({ written: 200, rejected: 0 });
    expect(generations(sim)).toBe(20);
    const hosts = r.backends.fast!.hosts;
    expect(hosts[dead]).toMatchObject({ calls: 0, circuit: 'open' });
    expect(hosts[url]).toMatchObject({ calls: 20, failures: 0 });
  });

  it('one host of two answers 500 to everything: its circuit opens, the other does the work', async () => {
    const good = await startSim();
    const bad = await startSim({ faults: { errorRate: 1 } });
    const r = await runSpec(twoHostSpec([bad.url, good.url]));
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    expect(r.manifest.datasets.people).toMatchObject({ written: 200, rejected: 0 });
    expect(generations(good.sim)).toBe(20);
    expect(bad.sim.stats().faults.error).toBe(generations(bad.sim));
    const hosts = r.backends.fast!.hosts;
    expect(hosts[bad.url]).toMatchObject({ circuit: 'open', tokensOut: 0 });
    expect(hosts[bad.url]!.failures).toBe(hosts[bad.url]!.calls);
    expect(r.backends.fast!.failures).toBe(0);
  });
});

describe('truncation', () => {
  it('a call cut at maxTokens is split until the answers fit; nothing is lost', async () => {
    const { sim, url } = await startSim();
    const s = peopleSpec(url);
    s.datasets[0]!.count = 60;
    s.datasets[0]!.batchSize = 60;
    s.backends.fast!.maxTokens = 250;
    const r = await runSpec(s);
    await expectAccounted(r);
    expect(r.manifest.datasets.people).toMatchObject({ written: 60, rejected: 0 });
    for (const p of await r.records('people')) expectValidPerson(p);
    // 3 calls of 20 would do without a cap; the cut answers were split and asked again.
    expect(generations(sim)).toBeGreaterThan(3);
  });

  it('a cap too small for even one record: every record rejected truncated', async () => {
    const { url } = await startSim();
    const s = peopleSpec(url);
    s.datasets[0]!.count = 20;
    s.datasets[0]!.batchSize = 20;
    s.backends.fast!.maxTokens = 8;
    const r = await runSpec(s);
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    expect(r.manifest.datasets.people).toMatchObject({ requested: 20, written: 0, rejected: 20 });
    for (const x of r.rejects) expect(x).toMatchObject({ reason: 'truncated', error: 'answer cut at max tokens (8)' });
  });
});

describe('response cache', () => {
  it('a rerun with the same cache dir makes no model call and writes byte-identical files', async () => {
    const { sim, url } = await startSim({ faults: { malformedRate: 0.2 } });
    const cacheDir = freshDir('cache');
    const s = peopleSpec(url);
    const first = await runSpec(s, { cacheDir });
    expect(first.manifest.status).toBe('completed');
    const calls = first.backends.fast!.calls;
    expect(calls).toBeGreaterThanOrEqual(10);
    expect(generations(sim)).toBe(calls);

    sim.reset();
    const second = await runSpec(s, { cacheDir });
    expect(generations(sim)).toBe(0);
    expect(sim.stats().tokensOut).toBe(0);
    // The start-up check still asks the host which models it serves; no model is called.
    expect(Object.keys(sim.stats().requests).filter((k) => k !== 'GET /api/tags')).toEqual([]);
    expect(second.backends.fast).toMatchObject({ calls: 0, cacheHits: calls, tokensOut: 0, cost: 0 });
    for (const f of ['people.csv', 'people.jsonl', 'rejects.jsonl']) {
      const [a, b] = await Promise.all([readFile(join(first.out, f)), readFile(join(second.out, f))]);
      expect(b.equals(a), `${f} byte-identical`).toBe(true);
    }
    expect(second.manifest.datasets).toEqual(first.manifest.datasets);
  });
});

describe('shape datasets', () => {
  it('every record validates against its LLMockApi-style shape', async () => {
    const { sim, url } = await startSim();
    const r = await runSpec({
      seed: 3,
      datasets: [{
        name: 'products', count: 60, batchSize: 30, recordsPerCall: 10,
        shape: { name: 'string', price: 0, category: 'toys|books|food', tags: ['string'], launched: 'ISO-8601', inStock: true, dims: { w: 0, h: 0 }, variants: [{ sku: 'string', size: 'S|M|L' }] },
      }],
      backends: { fast: { provider: 'ollama', model: 'gemma3:4b', hosts: [url], maxRetries: 2 } },
    });
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    expect(r.manifest.datasets.products).toMatchObject({ written: 60, rejected: 0 });
    expect(generations(sim)).toBe(6);
    const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/;
    for (const p of await r.records('products')) {
      expect(Object.keys(p).sort()).toEqual(['category', 'dims', 'inStock', 'launched', 'name', 'price', 'tags', 'variants']);
      expect(typeof p.name === 'string' && p.name.length > 0).toBe(true);
      expect(typeof p.price).toBe('number');
      expect(['toys', 'books', 'food']).toContain(p.category);
      expect(Array.isArray(p.tags) && p.tags.length >= 1 && p.tags.every((t) => typeof t === 'string')).toBe(true);
      expect(p.launched).toMatch(iso);
      expect(Number.isNaN(Date.parse(p.launched as string))).toBe(false);
      expect(typeof p.inStock).toBe('boolean');
      expect(p.dims).toEqual({ w: expect.any(Number), h: expect.any(Number) });
      expect(Array.isArray(p.variants) && p.variants.length >= 1).toBe(true);
      for (const v of p.variants as Rec[]) {
        expect(Object.keys(v).sort()).toEqual(['size', 'sku']);
        expect(['S', 'M', 'L']).toContain(v.size);
      }
    }
    const csv = parseCsv(await readFile(join(r.out, 'products.csv'), 'utf8'), { columns: true }) as Rec[];
    expect(Object.keys(csv[0]!)).toEqual(['name', 'price', 'category', 'tags', 'launched', 'inStock', 'dims.w', 'dims.h', 'variants']);
    expect(Array.isArray(JSON.parse(csv[0]!.tags as string))).toBe(true);
  });
});

describe('enrich and audit', () => {
  let fast: { sim: SimServer; url: string };
  let quality: { sim: SimServer; url: string };
  beforeAll(async () => {
    fast = await startSim();
    quality = await startSim();
  });

  function spec(batchSize: number) {
    const s = peopleSpec(fast.url);
    s.datasets[0]!.batchSize = batchSize;
    s.datasets[0]!.recordsPerCall = 25;
    s.stages.enrich = { backend: 'quality', sample: 0.2, audit: true, fields: { persona: { kind: 'llm', prompt: 'a marketing persona label for {{firstName}}', maxLength: 40 } } };
    s.backends.quality = { provider: 'openai', model: 'qwen2.5:7b', baseUrl: `${quality.url}/v1`, maxRetries: 2, costPer1kInput: 0.001, costPer1kOutput: 0.002 };
    return s;
  }

  it('sends a deterministic 20% sample to the quality backend, fills enrich fields only there, and audits it', async () => {
    quality.sim.reset();
    const r = await runSpec(spec(50));
    expect(r.manifest.status).toBe('completed');
    await expectAccounted(r);
    expect(r.manifest.datasets.people).toMatchObject({ written: 200, rejected: 0 });
    const sampled = createSampler(7, 'people', 'enrich', 0.2);
    const expected = Array.from({ length: 200 }, (_, i) => i).filter(sampled);
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.length).toBeLessThan(60);

    const people = await r.records('people');
    for (const p of people) {
      expectValidPerson(p);
      const i = (p.id as number) - 1;
      if (sampled(i)) expect(typeof p.persona === 'string' && p.persona.length > 0 && p.persona.length <= 40, `persona of sampled record ${i}`).toBe(true);
      else expect(p.persona, `persona of unsampled record ${i}`).toBeNull();
    }
    const audit = r.manifest.audit as AuditSummary;
    expect(audit).toMatchObject({ sampled: expected.length, enrichFailures: 0, audited: expected.length, auditErrors: 0 });
    expect(audit.defects).toBeLessThanOrEqual(audit.audited);
    for (const g of audit.regeneratedBatches) expect(g.defectRate).toBeGreaterThan(0.2);
    // 4 batches: one enrich call and one audit call each, plus any regenerated batch's calls.
    expect(generations(quality.sim)).toBeGreaterThanOrEqual(8);
    const enrichRoutes = r.manifest.routing.filter((d) => d.reason.startsWith('enrich sample'));
    expect(enrichRoutes.map((d) => d.backend)).toEqual(['quality', 'quality', 'quality', 'quality']);
    expect(enrichRoutes.reduce((n, d) => n + Number(/\((\d+) records\)/.exec(d.reason)![1]), 0)).toBe(expected.length);
    expect(r.backends.quality!.calls).toBe(generations(quality.sim));
  });

  it('samples the same records whatever the batch size', async () => {
    const [a, b] = [await runSpec(spec(50)), await runSpec(spec(100))];
    const enriched = async (r: RunResult) => (await r.records('people')).filter((p) => p.persona !== null).map((p) => p.id);
    const ids = await enriched(a);
    expect(ids.length).toBeGreaterThan(0);
    expect(await enriched(b)).toEqual(ids);
    expect((b.manifest.audit as AuditSummary).sampled).toBe((a.manifest.audit as AuditSummary).sampled);
  });
});

describe('CLI', () => {
  it('--max-cost stops gracefully: status budget_exceeded, exit 1, completed batches written, the rest rejected budget_exceeded', async () => {
    const { url } = await startSim();
    const s = peopleSpec(url);
    s.datasets[0]!.count = 400;
    s.datasets[0]!.batchSize = 50;
    s.datasets[0]!.recordsPerCall = 10;
    s.backends.fast = { ...s.backends.fast, costPer1kInput: 0.01, costPer1kOutput: 0.02 };
    const out = freshDir('budget');
    const res = await runCli(['run', await writeSpec(s), '--out', out, '--no-cache', '--max-cost', '0.3', '--json']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('budget reached: --max-cost 0.3 USD');
    expect(res.stderr).not.toContain('    at ');
    const summary = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { status: string; datasets: Record<string, { written: number; rejected: number }> };
    expect(summary.status).toBe('budget_exceeded');

    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.status).toBe('budget_exceeded');
    const d = manifest.datasets.people!;
    expect(d.written + d.rejected).toBe(400);
    expect(d.written).toBeGreaterThan(0);
    expect(d.written).toBeLessThan(400);
    expect(d.written % 50).toBe(0);
    const people = await readJsonl(join(out, 'people.jsonl'));
    expect(people).toHaveLength(d.written);
    for (const p of people) expectValidPerson(p);
    // Batches commit in order: what was written is a prefix, the rest is rejected budget_exceeded.
    expect(people.map((p) => p.id)).toEqual(Array.from({ length: d.written }, (_, i) => i + 1));
    const rejects = await readJsonl<Reject>(join(out, 'rejects.jsonl'));
    expect(rejects.map((x) => x.index)).toEqual(Array.from({ length: 400 - d.written }, (_, i) => d.written + i));
    for (const x of rejects) expect(x).toMatchObject({ dataset: 'people', reason: 'budget_exceeded', error: expect.stringMatching(/\S/) });
    expect(summary.datasets.people).toEqual({ requested: 400, written: d.written, rejected: d.rejected });
  });

  it('an unreachable host: exit 3, one stderr line naming the URL and how to start a host, no stack', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const out = freshDir('unreachable');
    const res = await runCli(['run', await writeSpec(peopleSpec(url)), '--out', out, '--no-cache']);
    expect(res.code).toBe(3);
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(url);
    expect(lines[0]).toMatch(/synthfarm sim|ollama serve/);
    expect(res.stderr).not.toContain('    at ');
    expect(res.stdout).toBe('');
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
  });

  it('an API key from the environment appears in no output, manifest, rejects, cache, stdout or stderr (debug logs on)', async () => {
    const SECRET = 'sk-synthfarm-CANARY-7f3a9c1e55';
    const { sim, url } = await startSim({ faults: { malformedRate: 0.2, errorRate: 0.2 } });
    const s = peopleSpec(url);
    s.datasets[0]!.count = 100;
    s.datasets[0]!.batchSize = 50;
    s.datasets[0]!.recordsPerCall = 10;
    s.stages.generate = { backend: 'quality', repairAttempts: 0 };
    s.backends = { quality: { provider: 'openai', model: 'qwen2.5:7b', baseUrl: `${url}/v1`, apiKey: '${SYNTH_TEST_KEY}', maxRetries: 1 } };
    const out = freshDir('secrets');
    const cacheDir = freshDir('secrets-cache');
    const res = await runCli(['run', await writeSpec(s), '--out', out, '--cache-dir', cacheDir, '--json'], { SYNTH_TEST_KEY: SECRET, SYNTHFARM_LOG_LEVEL: 'debug' });
    expect(res.code).toBe(0);
    expect(generations(sim)).toBeGreaterThan(0);
    // The run logged (retries at debug level) and rejected something, so there was text to leak into.
    expect(res.stderr.length).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.datasets.people!.rejected).toBeGreaterThan(0);
    expect(res.stdout).not.toContain(SECRET);
    expect(res.stderr).not.toContain(SECRET);
    const files: string[] = [];
    for (const dir of [out, cacheDir]) {
      for (const f of await readdir(dir, { recursive: true })) if ((await stat(join(dir, f))).isFile()) files.push(join(dir, f));
    }
    expect(files.some((f) => f.endsWith('manifest.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('rejects.jsonl'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.json') && f.startsWith(cacheDir)).length).toBeGreaterThan(0);
    for (const f of files) {
      expect((await readFile(f)).includes(SECRET), f).toBe(false);
    }
  });

  it('--offline fills llm and enrich fields without any model call and says so in the manifest', async () => {
    const { sim, url } = await startSim();
    const s = peopleSpec(url);
    s.stages.enrich = { backend: 'fast', sample: 0.2, fields: { persona: { kind: 'llm', prompt: 'a persona', maxLength: 40 } } };
    const out = freshDir('offline');
    const res = await runCli(['run', await writeSpec(s), '--out', out, '--offline', '--no-cache', '--json']);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain('--offline');
    expect(sim.stats().requests).toEqual({});
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'completed', offline: true, backends: {} });
    expect(manifest.datasets.people).toMatchObject({ written: 200, rejected: 0 });
    const sampled = createSampler(7, 'people', 'enrich', 0.2);
    for (const p of await readJsonl(join(out, 'people.jsonl'))) {
      expectValidPerson(p);
      if (sampled((p.id as number) - 1)) expect((p.persona as string).length).toBeLessThanOrEqual(40);
      else expect(p.persona).toBeNull();
    }
  });

  it('--offline fills every model stage of an ordered list: each generate stage, and each enrich stage on its own sample', async () => {
    const { sim, url } = await startSim();
    const s: Rec = { ...peopleSpec(url) };
    s.stages = [
      { stage: 'generate', fields: ['mood', 'score'], backend: 'fast' },
      { stage: 'generate', fields: ['bio'], backend: 'fast' },
      { stage: 'validate', backend: 'fast', sample: 0.1 },
      { stage: 'enrich', backend: 'fast', sample: 0.3, fields: { persona: { kind: 'llm', prompt: 'a persona', maxLength: 40 } } },
      { stage: 'enrich', backend: 'fast', sample: 0.5, fields: { motto: { kind: 'llm', prompt: 'a motto', maxLength: 30 } } },
    ];
    const out = freshDir('offline-list');
    const res = await runCli(['run', await writeSpec(s), '--out', out, '--offline', '--no-cache', '--json']);
    expect(res.stderr).not.toContain('    at ');
    expect(res.code).toBe(0);
    expect(sim.stats().requests).toEqual({});
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'completed', offline: true });
    expect(manifest.datasets.people).toMatchObject({ written: 200, rejected: 0 });
    // The same samples an online run's enrich stages draw: the first enrich-like stage (validate
    // here) samples as 'enrich', a later one by its index in the list.
    const persona = createSampler(7, 'people', 'enrich:3', 0.3);
    const motto = createSampler(7, 'people', 'enrich:4', 0.5);
    const people = await readJsonl(join(out, 'people.jsonl'));
    expect(people).toHaveLength(200);
    let personas = 0;
    let mottos = 0;
    for (const p of people) {
      expectValidPerson(p);
      const i = (p.id as number) - 1;
      if (persona(i)) {
        expect(typeof p.persona === 'string' && p.persona.length > 0 && p.persona.length <= 40, `persona of record ${i}`).toBe(true);
        personas++;
      } else expect(p.persona, `persona of unsampled record ${i}`).toBeNull();
      if (motto(i)) {
        expect(typeof p.motto === 'string' && p.motto.length > 0 && p.motto.length <= 30, `motto of record ${i}`).toBe(true);
        mottos++;
      } else expect(p.motto, `motto of unsampled record ${i}`).toBeNull();
    }
    expect(personas).toBeGreaterThan(30);
    expect(mottos).toBeGreaterThan(60);
  });

  it('plan --json estimates calls, tokens and cost per backend without calling a model', async () => {
    const { sim, url } = await startSim();
    const s = peopleSpec(url);
    const res = await runCli(['plan', await writeSpec(s), '--json']);
    expect(res.code).toBe(0);
    expect(sim.stats().requests).toEqual({});
    const plan = JSON.parse(res.stdout) as { estimate: { backends: Record<string, { calls: number; tokensIn: number; tokensOut: number; cost: number }>; totalCost: number } };
    const est = plan.estimate.backends.fast! as { calls: number; firstPassCalls: number; tokensIn: number; tokensOut: number; cost: number };
    // 200 records, 20 per call: 10 first-pass calls, and the repairs the prior invalid rate expects.
    expect(est.firstPassCalls).toBe(10);
    expect(est.calls).toBeGreaterThanOrEqual(10);
    expect(est.calls).toBeLessThanOrEqual(13);
    expect(est.tokensIn).toBeGreaterThan(0);
    expect(est.tokensOut).toBeGreaterThan(0);
    expect(est.cost).toBeCloseTo((est.tokensIn / 1000) * 0.0001 + (est.tokensOut / 1000) * 0.0002, 6);
    expect(plan.estimate.totalCost).toBeCloseTo(est.cost, 6);

    // The estimate is the right size for what a clean run then spends.
    const actual = (await runSpec(s)).backends.fast!;
    expect(actual.calls).toBe(est.firstPassCalls);
    for (const k of ['tokensIn', 'tokensOut'] as const) {
      expect(est[k] / actual[k], k).toBeGreaterThan(1 / 3);
      expect(est[k] / actual[k], k).toBeLessThan(3);
    }
  });
});
