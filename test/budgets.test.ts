// Budgets and the plan's estimate (issue 10, DESIGN §8), embedded mode, against simulated Ollama
// hosts with prices in the spec: each batch's estimated cost is reserved before dispatch, so a
// cap is passed by at most what the batches in flight cost beyond their reservations (before:
// a whole window of in-flight batches, 2.5x the cap); the plan's estimate includes repairs,
// escalations, enrich and audit, and the manifest compares it with what the run made.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedded, type Manifest } from '@synthfarm/engine';
import { createSimServer, type SimOptionsInput, type SimServer } from '@synthfarm/sim';
import { parseSpecText } from '@synthfarm/spec';
import { createModelStages, estimateCost, createCostModel, ratesFromDir, runSpec as runSpecOf, enrichFieldNames } from '@synthfarm/stages';
import { readJsonl } from './support/output.js';

const CLI = fileURLToPath(new URL('../apps/cli/bin/synthfarm.js', import.meta.url));
const FAST_SIM: SimOptionsInput = { tokensPerSecond: 1e6, promptTokensPerSecond: 1e7 };
const FAST_DEPS = { retryBaseMs: 1, retryMaxMs: 5 };

type Rec = Record<string, unknown>;
interface Reject { dataset: string; index: number; reason: string; error: string }
interface BackendCall { type: string; dataset?: string; batch?: number; backend: string; cost: number }

const sims: SimServer[] = [];
let root: string;
let dirs = 0;
const freshDir = (label: string) => join(root, `${label}-${++dirs}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthfarm-budgets-'));
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

async function startSim(opts: SimOptionsInput = {}): Promise<string> {
  const sim = createSimServer({ ...FAST_SIM, ...opts });
  sims.push(sim);
  return (await sim.listen(0)).url;
}

/**
 * 600 people, batches of 50, 10 records per call, on a host with 32 slots: about eight batches
 * are in flight at once, which is what made a check of settled spending overshoot.
 */
function peopleSpec(url: string, extra: Rec = {}): Rec {
  return {
    seed: 7,
    datasets: [{
      name: 'people', count: 600, batchSize: 50, recordsPerCall: 10,
      fields: {
        id: { kind: 'sequence' },
        firstName: { kind: 'faker', method: 'person.firstName' },
        tier: { kind: 'choice', weights: { free: 0.7, premium: 0.3 } },
        bio: { kind: 'llm', prompt: 'One sentence about {{firstName}}, a {{tier}} customer', maxLength: 120 },
        mood: { kind: 'llm', prompt: 'their mood today', values: ['happy', 'neutral', 'grumpy'] },
      },
    }],
    stages: { generate: { backend: 'fast' } },
    backends: { fast: { provider: 'ollama', model: 'gemma3:4b', hosts: [url], slots: 32, maxRetries: 2, costPer1kInput: 0.01, costPer1kOutput: 0.02 } },
    ...extra,
  };
}

async function runIn(spec: Rec, opts: { out?: string; maxCostUsd?: number } = {}): Promise<{ manifest: Manifest; out: string }> {
  const out = opts.out ?? freshDir('out');
  const loaded = parseSpecText(JSON.stringify(spec), 'spec.json', { overrides: { outDir: out } });
  const model = await createModelStages(loaded, { maxCostUsd: opts.maxCostUsd, deps: FAST_DEPS });
  try {
    return { manifest: await runEmbedded({ loaded, threads: 0, model }), out };
  } finally {
    await model.close();
  }
}

/** USD per committed batch, from the run's events (every call the run paid for). */
async function batchCosts(out: string): Promise<number[]> {
  const by = new Map<number, number>();
  for (const e of await readJsonl<BackendCall>(join(out, 'events.jsonl'))) if (e.type === 'backend_call' && e.batch !== undefined) by.set(e.batch, (by.get(e.batch) ?? 0) + e.cost);
  return [...by.values()];
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, SYNTHFARM_LOG_LEVEL: undefined } }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

async function writeSpec(spec: unknown): Promise<string> {
  const file = `${freshDir('spec')}.json`;
  await writeFile(file, JSON.stringify(spec));
  return file;
}

async function expectAccounted(manifest: Manifest, out: string): Promise<Reject[]> {
  const rejects = await readJsonl<Reject>(join(out, 'rejects.jsonl'));
  for (const d of Object.values(manifest.datasets)) expect(d.written + d.rejected).toBe(d.requested);
  expect(rejects.length).toBe(Object.values(manifest.datasets).reduce((n, d) => n + d.rejected, 0));
  return rejects;
}

describe('run budget (--max-cost)', () => {
  it('with eight batches in flight, stops within one batch of the cap; the rest are rejects naming the cap', async () => {
    const url = await startSim({ slots: 32 });
    const full = await runIn(peopleSpec(url));
    const perBatch = await batchCosts(full.out);
    const total = perBatch.reduce((n, x) => n + x, 0);
    const cap = total * 0.4;
    const { manifest, out } = await runIn(peopleSpec(url), { maxCostUsd: cap });
    expect(manifest.status).toBe('budget_exceeded');
    const rejects = await expectAccounted(manifest, out);
    const spent = (await batchCosts(out)).reduce((n, x) => n + x, 0);
    expect(manifest.budget!.spent).toBeCloseTo(spent, 8);
    // The bound: past the cap by less than one batch costs, and short of it by at most two.
    const biggest = Math.max(...perBatch);
    expect(spent).toBeLessThanOrEqual(cap + biggest);
    expect(spent).toBeGreaterThan(cap - 2 * biggest);
    expect(manifest.budget!.stoppedBy).toMatch(/^--max-cost [\d.]+ USD: spent [\d.]+ \+ [\d.]+ in flight, batch \d+ of dataset 0/);
    expect(rejects.length).toBeGreaterThan(0);
    for (const r of rejects) expect(r).toMatchObject({ reason: 'budget_exceeded', error: `not generated: ${manifest.budget!.stoppedBy}` });
  });

  it('the CLI says which cap stopped the run and how many records were not generated, exit 1', async () => {
    const url = await startSim({ slots: 32 });
    const out = freshDir('cli');
    const res = await runCli(['run', await writeSpec(peopleSpec(url, { budgets: { run: 0.5 } })), '--out', out, '--no-cache']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^synthfarm: budget reached: budgets\.run 0\.5 USD: spent .* Stopped after the batches in flight \(spent [\d.]+ USD\); \d+ records not generated are in rejects\.jsonl \(reason budget_exceeded\)\n$/m);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.budget!.caps.run).toBe(0.5);
    expect(manifest.budget!.spent).toBeLessThanOrEqual(0.5 + Math.max(...(await batchCosts(out))));
  });
});

describe('per-backend budget', () => {
  it('a cap on the enrich backend stops the run before that backend passes it; the generate backend is not capped', async () => {
    const url = await startSim({ slots: 32 });
    const spec = peopleSpec(url, {
      stages: { generate: { backend: 'fast' }, enrich: { backend: 'quality', sample: 0.2, fields: { persona: { kind: 'llm', prompt: 'a persona label', maxLength: 40 } } } },
      budgets: { perBackend: { quality: 0.05 } },
    });
    (spec.backends as Rec).quality = { provider: 'openai', model: 'qwen2.5:7b', baseUrl: `${url}/v1`, slots: 32, maxRetries: 2, costPer1kInput: 0.05, costPer1kOutput: 0.1 };
    const { manifest, out } = await runIn(spec);
    expect(manifest.status).toBe('budget_exceeded');
    await expectAccounted(manifest, out);
    expect(manifest.budget!.stoppedBy).toMatch(/^budgets\.perBackend\.quality 0\.05 USD: quality spent/);
    const quality = (await readJsonl<BackendCall>(join(out, 'events.jsonl'))).filter((e) => e.type === 'backend_call' && e.backend === 'quality');
    const byBatch = new Map<number, number>();
    for (const e of quality) byBatch.set(e.batch!, (byBatch.get(e.batch!) ?? 0) + e.cost);
    expect(manifest.budget!.spentByBackend.quality!).toBeLessThanOrEqual(0.05 + Math.max(...byBatch.values()));
  });
});

describe('daily budget, embedded', () => {
  it('an embedded run counts its own spending against budgets.daily', async () => {
    const url = await startSim({ slots: 32 });
    const { manifest } = await runIn(peopleSpec(url, { budgets: { daily: 0.4 } }));
    expect(manifest.status).toBe('budget_exceeded');
    expect(manifest.budget!.stoppedBy).toMatch(/^budgets\.daily 0\.4 USD: the farm spent or holds [\d.]+ today \(UTC \d{4}-\d\d-\d\d\)/);
  });
});

describe('plan estimate', () => {
  it('includes repairs: fitted to a past run with invalid answers, it is within 15% of a new run\'s calls and cost; the manifest reports the error', async () => {
    // One answer in five is broken JSON: its records are repaired, some twice.
    const url = await startSim({ slots: 32, faults: { malformedRate: 0.2 } });
    const out = freshDir('plan');
    const first = await runIn(peopleSpec(url, { seed: 1 }), { out });
    expect(first.manifest.status).toBe('completed');
    // The first run had no history: the priors (5% invalid), and its error in the manifest.
    const e1 = first.manifest.estimate!;
    expect(e1.rates.from).toBe('prior');
    expect(e1.actual.calls).toBe(first.manifest.backends.fast && (first.manifest.backends.fast as { calls: number }).calls);
    expect(e1.relativeError.calls).toBeCloseTo((e1.estimated.calls - e1.actual.calls) / e1.actual.calls, 3);

    // The next plan fits its rates to the run published in the output directory.
    const spec2 = peopleSpec(url, { seed: 2 });
    const loaded = parseSpecText(JSON.stringify(spec2), 'spec.json', { overrides: { outDir: out } });
    const s = runSpecOf(loaded.spec);
    const rates = await ratesFromDir(await createCostModel(s, enrichFieldNames(s)), s, out);
    expect(rates.from).toBe(`run ${first.manifest.runId}`);
    expect(rates.invalidRate).toBeGreaterThan(0);
    const plan = await estimateCost(s, enrichFieldNames(s), rates);

    const second = await runIn(spec2, { out });
    const actual = second.manifest.estimate!.actual;
    expect(second.manifest.estimate!.rates).toEqual(rates);
    expect(second.manifest.estimate!.estimated.calls).toBe(plan.total.calls);
    for (const k of ['calls', 'cost'] as const) {
      const err = (plan.total[k] - actual[k]) / actual[k];
      expect(Math.abs(err), `${k}: plan ${plan.total[k]} vs actual ${actual[k]}`).toBeLessThan(0.15);
      expect(second.manifest.estimate!.relativeError[k]).toBeCloseTo(err, 3);
    }
    expect(actual.calls).toBeGreaterThan(plan.backends.fast!.firstPassCalls);
  });
});

describe('bad budget options: exit 2 naming the option, nothing written', () => {
  const cases: Array<{ name: string; args: (spec: string, out: string) => string[]; spec?: Rec; says: RegExp }> = [
    { name: '--max-cost -1', args: (spec, out) => ['run', spec, '--out', out, '--max-cost', '-1'], says: /--max-cost must be a number >= 0, got '-1'/ },
    { name: '--max-cost abc', args: (spec, out) => ['run', spec, '--out', out, '--max-cost', 'abc'], says: /--max-cost must be a number >= 0, got 'abc'/ },
    { name: '--max-daily-cost without --redis', args: (spec, out) => ['run', spec, '--out', out, '--max-daily-cost', '5'], says: /--max-daily-cost is the farm's cap and needs --redis/ },
    { name: 'worker --max-daily-cost x', args: () => ['worker', '--redis', 'redis://127.0.0.1:1', '--host', 'gpu1=http://127.0.0.1:1', '--max-daily-cost', 'x'], says: /--max-daily-cost must be a number >= 0, got 'x'/ },
    { name: 'budgets.run: -1', args: (spec, out) => ['run', spec, '--out', out], spec: { budgets: { run: -1 } }, says: /budgets\.run: must be >= 0 \(USD\)/ },
    { name: 'budgets.perBackend names no backend', args: (spec, out) => ['run', spec, '--out', out], spec: { budgets: { perBackend: { premium: 1 } } }, says: /budgets\.perBackend\.premium: names backend 'premium', which backends: does not define \(defined: fast\)/ },
    { name: 'budgets.daily: "lots"', args: (spec, out) => ['plan', spec], spec: { budgets: { daily: 'lots' } }, says: /budgets\.daily: must be number, got string/ },
  ];
  it.each(cases)('$name', async ({ args, spec, says }) => {
    const out = freshDir('bad');
    const res = await runCli(args(await writeSpec(peopleSpec('http://127.0.0.1:1', spec)), out));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(says);
    expect(res.stderr).not.toContain('    at ');
  });
});
