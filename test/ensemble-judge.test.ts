/**
 * An ensemble merged by a judge (issue 10: "text by judge or first valid"), end to end through the
 * CLI against simulated models: two members answer every value; enums are still voted, text with
 * differing answers is picked by the judge backend's scores (its calls counted in the run's cost
 * and in decisions.jsonl), the same answers give the same picks, and a judge that fails or answers
 * invalidly leaves the first valid answer, recorded as a fallback. Farm mode writes the same bytes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import type { DecisionLine } from '@synthfarm/routing';
import type { SimFaultsInput } from '@synthfarm/sim';
import { tempDir } from './support/cli.js';
import { connectFarm } from '@synthfarm/farm';
import { killAll, killRunCoordinators, runCli, sha256Files, spawnWorker, startSim } from './support/farm-harness.js';
import { startRedis } from './support/redis-server.js';
import { readJsonl } from './support/output.js';

const SPEC = `seed: 9
name: people
count: 60
batchSize: 20
recordsPerCall: 10
fields:
  id:    { kind: sequence }
  tier:  { kind: choice, values: [free, paid] }
  mood:  { kind: llm, prompt: "their mood", values: [happy, neutral, grumpy] }
  bio:   { kind: llm, prompt: "Two sentences about a {{tier}} customer", maxLength: 160 }
stages:
  generate: { route: ensemble, backends: [cheap, mid], ensemble: { size: 2, merge: judge }, judge: judge }
backends:
  cheap: { provider: ollama, model: "cheap:1b",  tier: 1, hosts: ["\${SIM_CHEAP}"], slots: 4, costPer1kInput: 1, costPer1kOutput: 1 }
  mid:   { provider: ollama, model: "mid:8b",    tier: 2, hosts: ["\${SIM_MID}"], slots: 4, costPer1kInput: 4, costPer1kOutput: 4 }
  judge: { provider: ollama, model: "judge:70b", tier: 3, hosts: ["\${SIM_JUDGE}"], slots: 4, maxRetries: "\${JUDGE_RETRIES:-4}", costPer1kInput: 20, costPer1kOutput: 20 }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let spec: string;
beforeAll(async () => {
  tmp = await tempDir('synthfarm-ensemble-judge-');
  spec = join(tmp.dir, 'spec.yaml');
  await writeFile(spec, SPEC);
});
afterAll(async () => {
  await killAll();
  await tmp?.cleanup();
});

/** Three sims (one model each); the judge's may carry faults. Returns the env the spec reads and the judge's sim. */
async function sims(judgeFaults: SimFaultsInput = {}) {
  const [c, m, j] = await Promise.all([
    startSim({ models: ['cheap:1b'], tokensPerSecond: 1e6 }),
    startSim({ models: ['mid:8b'], tokensPerSecond: 1e6 }),
    startSim({ models: ['judge:70b'], tokensPerSecond: 1e6, faults: judgeFaults }),
  ]);
  return { env: { SIM_CHEAP: c.url, SIM_MID: m.url, SIM_JUDGE: j.url }, judge: j.sim };
}

interface Run {
  code: number | null;
  stderr: string;
  manifest: Manifest;
  lines: DecisionLine[];
  events: Array<{ type: string; fields?: string[]; actualCost?: number; verdicts?: Array<{ backend: string; cost: number; judge?: unknown }> }>;
  csv: string;
}

async function run(env: NodeJS.ProcessEnv, dir: string): Promise<Run> {
  const out = join(tmp.dir, dir);
  const r = await runCli(['run', spec, '--out', out, '--no-cache', '--json'], env);
  return {
    code: r.code,
    stderr: r.stderr,
    manifest: JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest,
    lines: await readJsonl<DecisionLine>(join(out, 'decisions.jsonl')),
    events: await readJsonl(join(out, 'events.jsonl')),
    csv: await readFile(join(out, 'people.csv'), 'utf8'),
  };
}

const generations = (s: { stats(): { requests: Record<string, number> } }) => s.stats().requests['POST /api/chat'] ?? 0;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
/** Equal to 5 significant digits (decision records round USD to 6). */
const near = (x: number, y: number) => expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(x), Math.abs(y)));

describe('ensemble merged by a judge', () => {
  let healthy: Awaited<ReturnType<typeof sims>>;
  let a: Run;

  beforeAll(async () => {
    healthy = await sims();
    a = await run(healthy.env, 'a');
  }, 120_000);

  it('text with differing answers is picked by the judge; enums are still voted', () => {
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.manifest.datasets.people).toMatchObject({ written: 60, rejected: 0 });
    const bio = a.lines.filter((l) => l.fields[0] === 'bio');
    const mood = a.lines.filter((l) => l.fields[0] === 'mood');
    expect(bio).toHaveLength(3);
    expect(bio[0]!.reason).toContain('text picked by judge judge');
    // Both members write valid, different text: every bio was judged, none fell back.
    for (const l of bio) expect(l.outcome.judge).toEqual({ backend: 'judge', judged: 20, fellBack: 0 });
    // First-valid would credit every bio to cheap, the first member; the judge's scores pick mid's too.
    const byMid = sum(bio.map((l) => l.outcome.acceptedBy.mid ?? 0));
    expect(byMid).toBeGreaterThan(5);
    expect(byMid).toBeLessThan(55);
    for (const l of mood) expect(l.outcome.judge).toBeUndefined();
  });

  it("the judge's calls count in the run's cost and in decisions.jsonl", () => {
    // One call per 10 judged values: 6 for 60 bios.
    expect(generations(healthy.judge)).toBe(6);
    const judgeSpend = a.manifest.backends.judge as { calls: number; cost: number };
    expect(judgeSpend.calls).toBe(6);
    expect(judgeSpend.cost).toBeGreaterThan(0);
    const routed = a.events.filter((e) => e.type === 'routing_decision' && e.fields?.[0] === 'bio');
    expect(routed).toHaveLength(3);
    let judgeCost = 0;
    for (const e of routed) {
      const judged = e.verdicts!.filter((v) => v.judge);
      expect(judged.map((v) => v.backend)).toEqual(['judge']);
      judgeCost += judged[0]!.cost;
      // The decision's actual cost is its members' calls and its judge's.
      near(e.actualCost!, sum(e.verdicts!.map((v) => v.cost)));
      expect(e.actualCost!).toBeGreaterThan(sum(e.verdicts!.filter((v) => !v.judge).map((v) => v.cost)));
    }
    near(judgeCost, judgeSpend.cost);
    // The judge's route in the manifest holds its cost apart from what it wrote (nothing).
    const judgeRoute = a.manifest.decisions!.routes.find((r) => r.backend === 'judge')!;
    expect(judgeRoute).toMatchObject({ field: 'bio', accepted: 0, judge: { judged: 60, fellBack: 0 } });
  });

  it('same answers → same picks: a second run writes the same bytes and decisions', async () => {
    const b = await run(healthy.env, 'b');
    expect(b.code).toBe(0);
    expect(b.csv).toBe(a.csv);
    expect(b.lines).toEqual(a.lines);
  }, 120_000);

  it('farm mode picks the same: a worker whose host serves all three models writes the same bytes', async () => {
    const redis = await startRedis();
    try {
      const host = await startSim({ models: ['cheap:1b', 'mid:8b', 'judge:70b'], tokensPerSecond: 1e6 });
      await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: host.url }, extraArgs: ['--no-schedules'] });
      const r = await runCli(['run', spec, '--redis', redis.url, '--out', join(tmp.dir, 'farm'), '--fresh-weights', '--json'], healthy.env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(await sha256Files(join(tmp.dir, 'farm'))).toEqual(await sha256Files(join(tmp.dir, 'a')));
    } finally {
      await killAll();
      const farm = await connectFarm(redis.url);
      await killRunCoordinators(farm);
      await farm.close();
      await redis.stop();
    }
  }, 120_000);

  it.each([
    ['fails (every call a 500)', { errorRate: 1 }, /\[judge:judge\]/],
    ['answers invalidly (broken JSON)', { malformedRate: 1 }, /\[judge:judge\] (malformed JSON|invalid answer)/],
  ] as const)('a judge that %s: every bio falls back to the first valid answer, and the decisions say so', async (_, faults, error) => {
    const broken = await sims(faults);
    // No retries: every judge call fails at once (a healthy judge keeps its retries, so a dropped
    // connection under load is retried, not a fallback that would change the picks).
    const r = await run({ ...broken.env, JUDGE_RETRIES: '0' }, `broken-${Object.keys(faults)[0]}`);
    expect(r.code).toBe(0);
    expect(r.manifest.datasets.people).toMatchObject({ written: 60, rejected: 0 });
    expect(generations(broken.judge)).toBeGreaterThan(0);
    const bio = r.lines.filter((l) => l.fields[0] === 'bio');
    for (const l of bio) {
      expect(l.outcome.judge).toMatchObject({ backend: 'judge', judged: 20, fellBack: 20 });
      expect(l.outcome.judge!.error).toMatch(error);
      // First valid: the first member's answer, as merge: first-valid would keep.
      expect(l.outcome.acceptedBy).toEqual({ cheap: 20 });
    }
    // The enum votes are the healthy run's: only the text merge fell back.
    const moods = (csv: string) => csv.trim().split('\n').map((row) => row.split(',')[2]);
    expect(moods(r.csv)).toEqual(moods(a.csv));
  }, 120_000);
});
