/**
 * The decision engine end to end (DESIGN §8), embedded mode, against simulated models whose
 * quality differs: the learned policy finds the cheapest backend that gets each field right,
 * learns across runs through its weights file, re-routes when a backend degrades, writes every
 * decision to decisions.jsonl and the event log, and decides the same way given the same inputs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import type { DecisionLine } from '@synthfarm/routing';
import { tempDir } from './support/cli.js';
import { killAll, runCli, startSim } from './support/farm-harness.js';
import { readJsonl } from './support/output.js';

/** cheap breaks the hard field (long text about the record) almost always; mid and premium do not. */
const GOOD = { cheap: { hardBreakRate: 0.02, easyBreakRate: 0.02 }, mid: { hardBreakRate: 0.02, easyBreakRate: 0.01 }, premium: { hardBreakRate: 0, easyBreakRate: 0 } };
const CHEAP_BAD_AT_HARD = { ...GOOD, cheap: { hardBreakRate: 0.95, easyBreakRate: 0.02 } };

function spec(route: string, count = 300): string {
  return `seed: 5
name: people
count: ${count}
batchSize: 10
recordsPerCall: 10
fields:
  id:    { kind: sequence }
  tier:  { kind: choice, values: [free, paid] }
  mood:  { kind: llm, prompt: "their mood", values: [happy, neutral, grumpy] }
  bio:   { kind: llm, prompt: "Two sentences about a {{tier}} customer", maxLength: 160 }
stages:
  generate: { route: ${route}, backends: [cheap, mid, premium], window: 2 }
backends:
  cheap:   { provider: ollama, model: "cheap:1b",    hosts: ["\${SIM_CHEAP}"], slots: 8, costPer1kInput: 1, costPer1kOutput: 1 }
  mid:     { provider: ollama, model: "mid:8b",      hosts: ["\${SIM_MID}"], slots: 8, costPer1kInput: 4, costPer1kOutput: 4 }
  premium: { provider: ollama, model: "premium:70b", hosts: ["\${SIM_PREMIUM}"], slots: 8, costPer1kInput: 20, costPer1kOutput: 20 }
`;
}

/** Three sims, one model each, with the given quality; returns the env the spec reads. */
async function sims(q: typeof GOOD): Promise<NodeJS.ProcessEnv> {
  const [c, m, p] = await Promise.all([
    startSim({ models: ['cheap:1b'], slots: 8, tokensPerSecond: 1e6, quality: { 'cheap:1b': q.cheap } }),
    startSim({ models: ['mid:8b'], slots: 8, tokensPerSecond: 1e6, quality: { 'mid:8b': q.mid } }),
    startSim({ models: ['premium:70b'], slots: 8, tokensPerSecond: 1e6, quality: { 'premium:70b': q.premium } }),
  ]);
  return { SIM_CHEAP: c.url, SIM_MID: m.url, SIM_PREMIUM: p.url };
}

/** Neither command calls a model: the hosts need not answer. */
const NO_SIMS = { SIM_CHEAP: 'http://127.0.0.1:1', SIM_MID: 'http://127.0.0.1:1', SIM_PREMIUM: 'http://127.0.0.1:1' };

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir('synthfarm-routing-');
});
afterAll(async () => {
  await killAll();
  await tmp?.cleanup();
});

const chosen = (lines: DecisionLine[], field: string, from: number) => lines.filter((l) => l.fields.includes(field) && l.batch >= from).map((l) => l.chosen);
const share = (xs: string[], x: string) => xs.filter((y) => y === x).length / xs.length;

describe('learned routing on simulated models', () => {
  let env: NodeJS.ProcessEnv;
  let manifest: Manifest;
  let lines: DecisionLine[];
  const state = () => join(tmp.dir, 'state');

  beforeAll(async () => {
    env = await sims(CHEAP_BAD_AT_HARD);
    await writeFile(join(tmp.dir, 'learned.yaml'), spec('learned'));
    const res = await runCli(['run', join(tmp.dir, 'learned.yaml'), '--out', join(tmp.dir, 'a'), '--cache-dir', state(), '--json'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    manifest = JSON.parse(await readFile(join(tmp.dir, 'a', 'manifest.json'), 'utf8')) as Manifest;
    lines = await readJsonl<DecisionLine>(join(tmp.dir, 'a', 'decisions.jsonl'));
  }, 180_000);

  it('converges to the cheapest backend that gets each field right', () => {
    expect(manifest.datasets.people!.written).toBe(300);
    // The easy enum stays on cheap; the hard text leaves cheap (95% broken) for mid, not premium.
    expect(share(chosen(lines, 'mood', 10), 'cheap')).toBeGreaterThanOrEqual(0.9);
    expect(share(chosen(lines, 'bio', 10), 'mid')).toBeGreaterThanOrEqual(0.8);
    expect(share(chosen(lines, 'bio', 0), 'premium')).toBeLessThan(0.1);
  });

  it('records every decision: one line per batch and field, with alternatives, reason, costs and outcome', () => {
    expect(lines).toHaveLength(30 * 2);
    const l = lines.find((x) => x.fields[0] === 'bio' && x.batch === 29)!;
    expect(l).toMatchObject({ dataset: 'people', policy: 'learned', step: 0 });
    expect(l.alternatives.map((a) => a.backend).sort()).toEqual(['cheap', 'mid', 'premium']);
    expect(l.reason).toMatch(/Thompson|exploration/);
    expect(l.estCost).toBeGreaterThan(0);
    expect(l.actualCost).toBeGreaterThan(0);
    expect(l.outcome.accepted).toBe(10);
    expect(manifest.decisions!.file).toMatchObject({ path: 'decisions.jsonl', rows: 60 });
    const bioOnCheap = manifest.decisions!.routes.find((r) => r.field === 'bio' && r.backend === 'cheap')!;
    expect(bioOnCheap.passRate).toBeLessThan(0.2);
  });

  it('puts the decisions and their verdicts in the run\'s event log', async () => {
    const events = await readJsonl<{ type: string; policy?: string; verdicts?: unknown[] }>(join(tmp.dir, 'a', 'events.jsonl'));
    const routed = events.filter((e) => e.type === 'routing_decision' && e.policy === 'learned');
    expect(routed).toHaveLength(60);
    expect(routed.every((e) => (e.verdicts?.length ?? 0) > 0)).toBe(true);
  });

  it('same spec, seed and starting weights → the same decisions and bytes', async () => {
    const again = async (dir: string) => {
      const r = await runCli(['run', join(tmp.dir, 'learned.yaml'), '--out', join(tmp.dir, dir), '--no-cache', '--json'], env);
      expect(r.code).toBe(0);
      return [await readFile(join(tmp.dir, dir, 'people.csv'), 'utf8'), await readFile(join(tmp.dir, dir, 'decisions.jsonl'), 'utf8')];
    };
    const [x, y] = [await again('d1'), await again('d2')];
    expect(x).toEqual(y);
    expect(x[1]).toBe(await readFile(join(tmp.dir, 'a', 'decisions.jsonl'), 'utf8'));
  }, 240_000);

  it('learns across runs: the next run starts from the saved weights', async () => {
    const saved = JSON.parse(await readFile(join(state(), 'routing-weights.json'), 'utf8')) as { arms: Record<string, { passed: number; failed: number }> };
    const bio = saved.arms['people/bio/ollama:cheap:1b']!;
    expect(bio.failed).toBeGreaterThan(bio.passed);
    const res = await runCli(['run', join(tmp.dir, 'learned.yaml'), '--out', join(tmp.dir, 'b'), '--cache-dir', state(), '--json'], env);
    expect(res.code).toBe(0);
    const second = await readJsonl<DecisionLine>(join(tmp.dir, 'b', 'decisions.jsonl'));
    // From the first batch on, the hard field goes to mid: nothing to learn again.
    expect(share(chosen(second, 'bio', 0), 'mid')).toBeGreaterThanOrEqual(0.8);
    const m2 = JSON.parse(await readFile(join(tmp.dir, 'b', 'manifest.json'), 'utf8')) as Manifest;
    expect(m2.decisions!.startingWeightsSha256).not.toBe(manifest.decisions!.startingWeightsSha256);
  }, 240_000);
});

describe('synthfarm backends SPEC and plan SPEC', () => {
  it('backends lists the registry with what past runs under the output directory measured', async () => {
    const res = await runCli(['backends', join(tmp.dir, 'learned.yaml'), '--out', tmp.dir, '--json'], NO_SIMS);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { runsRead: number; backends: Array<{ name: string; tier: number; calls: number; latencyMsP50: number | null; passRate: number | null; costPerAcceptedRecord: number | null; costPerAcceptedValue: number | null }> };
    expect(out.runsRead).toBeGreaterThanOrEqual(4);
    const by = Object.fromEntries(out.backends.map((b) => [b.name, b]));
    expect([by.cheap!.tier, by.mid!.tier, by.premium!.tier]).toEqual([1, 2, 3]);
    expect(by.mid!.calls).toBeGreaterThan(0);
    expect(by.mid!.latencyMsP50).not.toBeNull();
    // cheap broke the hard field almost always; mid almost never.
    expect(by.cheap!.passRate!).toBeLessThan(by.mid!.passRate!);
    expect(by.mid!.passRate!).toBeGreaterThan(0.9);
    expect(by.mid!.costPerAcceptedValue!).toBeGreaterThan(0);
    // Every run read wrote records of two model fields: an accepted record is two accepted values.
    expect(by.mid!.costPerAcceptedRecord! / by.mid!.costPerAcceptedValue!).toBeCloseTo(2, 2);
    expect(by.cheap!.costPerAcceptedRecord! / by.cheap!.costPerAcceptedValue!).toBeCloseTo(2, 2);
    const text = await runCli(['backends', join(tmp.dir, 'learned.yaml'), '--out', tmp.dir], NO_SIMS);
    expect(text.stdout).toMatch(/^backend\s+tier\s+provider:model.*\$\/accepted record\s+\$\/accepted value/);
    expect(text.stdout).toMatch(/measured from \d+ runs under/);
  });

  it('plan shows each field\'s complexity, its rules, and the first route', async () => {
    await writeFile(join(tmp.dir, 'cheapest.yaml'), spec('cheapest'));
    const res = await runCli(['plan', join(tmp.dir, 'cheapest.yaml'), '--json'], NO_SIMS);
    expect(res.code).toBe(0);
    const plan = JSON.parse(res.stdout) as { routing: Array<{ policy: string; batch: { tier: number }; fields: Array<{ field: string; complexity: { tier: number; reasons: string[] }; ladder: string[] }> }> };
    const r = plan.routing[0]!;
    expect(r.policy).toBe('cheapest');
    expect(r.batch.tier).toBe(2);
    const f = Object.fromEntries(r.fields.map((x) => [x.field, x]));
    expect(f.mood).toMatchObject({ complexity: { tier: 1 }, ladder: ['cheap', 'mid', 'premium'] });
    expect(f.bio).toMatchObject({ complexity: { tier: 2 }, ladder: ['mid', 'premium'] });
    expect(f.bio!.complexity.reasons).toContain('free text +1');
    const text = await runCli(['plan', join(tmp.dir, 'cheapest.yaml')], NO_SIMS);
    expect(text.stdout).toMatch(/bio\s+tier 2 \(2: free text \+1, long text \(maxLength 160\) \+0\.5, depends on the record \+0\.5\) → mid → premium/);
  });
});

describe('a backend that degrades', () => {
  it('is routed around within the run, and its pass-rate drop is reported', async () => {
    const state = join(tmp.dir, 'state-degrade');
    await writeFile(join(tmp.dir, 'learned.yaml'), spec('learned'));
    // Run 1: cheap is good at everything, and the weights say so.
    const good = await sims(GOOD);
    const r1 = await runCli(['run', join(tmp.dir, 'learned.yaml'), '--out', join(tmp.dir, 'g'), '--cache-dir', state, '--json'], good);
    expect(r1.code).toBe(0);
    expect(share(chosen(await readJsonl<DecisionLine>(join(tmp.dir, 'g', 'decisions.jsonl')), 'bio', 10), 'cheap')).toBeGreaterThanOrEqual(0.8);
    // Run 2 (another seed: the response cache holds run 1's answers): cheap now breaks the hard
    // field; the run starts on cheap, as the weights say, and leaves it.
    const bad = await sims(CHEAP_BAD_AT_HARD);
    const r2 = await runCli(['run', join(tmp.dir, 'learned.yaml'), '--seed', '6', '--out', join(tmp.dir, 'h'), '--cache-dir', state, '--json'], bad);
    expect(r2.code).toBe(0);
    const lines = await readJsonl<DecisionLine>(join(tmp.dir, 'h', 'decisions.jsonl'));
    expect(chosen(lines, 'bio', 0)[0]).toBe('cheap');
    expect(share(chosen(lines, 'bio', 15), 'cheap')).toBeLessThanOrEqual(0.2);
    const m = JSON.parse(await readFile(join(tmp.dir, 'h', 'manifest.json'), 'utf8')) as Manifest;
    expect(m.decisions!.drops).toEqual([expect.objectContaining({ dataset: 'people', field: 'bio', backend: 'cheap' })]);
    expect(r2.stderr).toMatch(/\[routing\] people\.bio on cheap: pass rate .* below its history/);
  }, 240_000);
});

describe('cascade and ensemble on simulated models', () => {
  it('cascade escalates only the fields that failed; ensemble records its agreement', async () => {
    const env = await sims(CHEAP_BAD_AT_HARD);
    for (const route of ['cascade', 'ensemble']) {
      await writeFile(join(tmp.dir, `${route}.yaml`), spec(route, 100));
      const r = await runCli(['run', join(tmp.dir, `${route}.yaml`), '--out', join(tmp.dir, route), '--no-cache', '--json'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const m = JSON.parse(await readFile(join(tmp.dir, route, 'manifest.json'), 'utf8')) as Manifest;
      expect(m.datasets.people!.written).toBe(100);
      const routes = m.decisions!.routes;
      if (route === 'cascade') {
        // The hard field climbed to mid; the easy one stayed on cheap.
        expect(routes.find((x) => x.field === 'bio' && x.backend === 'mid')!.accepted).toBeGreaterThan(50);
        expect(routes.find((x) => x.field === 'mood' && x.backend === 'cheap')!.accepted).toBeGreaterThan(90);
        expect(routes.find((x) => x.field === 'mood' && x.backend === 'mid')?.accepted ?? 0).toBeLessThan(10);
      } else {
        const agreement = routes.find((x) => x.field === 'mood' && x.backend === 'cheap')!.agreement!;
        expect(agreement.compared).toBeGreaterThan(50);
        expect(agreement.rate).toBeGreaterThanOrEqual(0);
        expect(agreement.rate).toBeLessThanOrEqual(1);
      }
    }
  }, 240_000);
});
