/**
 * The decision engine in farm mode: two workers on two simulated hosts route a learned-policy run
 * exactly as an embedded run does (same bytes, same decisions.jsonl), and the learned weights are
 * the farm's — in Redis, fed by the batches of every worker, read by the next run's coordinator.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { connectFarm } from '@synthfarm/farm';
import { weightsHash, type Weights } from '@synthfarm/routing';
import { tempDir } from './support/cli.js';
import { killAll, killRunCoordinators, runCli, sha256Files, spawnWorker, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

const MODELS = ['cheap:1b', 'mid:8b', 'premium:70b'];
const QUALITY = { 'cheap:1b': { hardBreakRate: 0.9, easyBreakRate: 0.02 }, 'mid:8b': { hardBreakRate: 0.03, easyBreakRate: 0.01 } };
const SPEC = `seed: 3
name: people
count: 200
batchSize: 10
recordsPerCall: 10
fields:
  id:    { kind: sequence }
  tier:  { kind: choice, values: [free, paid] }
  mood:  { kind: llm, prompt: "their mood", values: [happy, neutral, grumpy] }
  bio:   { kind: llm, prompt: "Two sentences about a {{tier}} customer", maxLength: 160 }
stages:
  generate: { route: learned, backends: [cheap, mid, premium], window: 2 }
backends:
  cheap:   { provider: ollama, model: "cheap:1b",    hosts: ["\${SIM_URL}"], costPer1kInput: 1, costPer1kOutput: 1 }
  mid:     { provider: ollama, model: "mid:8b",      hosts: ["\${SIM_URL}"], costPer1kInput: 4, costPer1kOutput: 4 }
  premium: { provider: ollama, model: "premium:70b", hosts: ["\${SIM_URL}"], costPer1kInput: 20, costPer1kOutput: 20 }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let simUrl: string;
let specPath: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-routing-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, SPEC);
  const sim = { models: MODELS, slots: 4, tokensPerSecond: 20_000, quality: QUALITY };
  const [r, s1, s2] = await Promise.all([startRedis(), startSim(sim), startSim(sim)]);
  redis = r;
  simUrl = s1.url;
  await Promise.all([spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: s1.url } }), spawnWorker({ redisUrl: redis.url, host: { name: 'gpu2', url: s2.url } })]);
});

afterAll(async () => {
  await killAll();
  if (redis) {
    const farm = await connectFarm(redis.url);
    await killRunCoordinators(farm);
    await farm.close();
  }
  await redis?.stop();
  await tmp?.cleanup();
});

async function farmWeights(): Promise<Weights> {
  const farm = await connectFarm(redis.url);
  try {
    const raw = await farm.redis.hgetall(`${farm.keys.prefix}:routing:weights`);
    return { version: 1, arms: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v)])) };
  } finally {
    await farm.close();
  }
}

describe('learned routing on a farm of two workers', () => {
  let manifest: Manifest;

  beforeAll(async () => {
    const [emb, farm] = await Promise.all([
      runCli(['run', specPath, '--out', join(tmp.dir, 'embedded'), '--no-cache', '--json'], { SIM_URL: simUrl }),
      runCli(['run', specPath, '--redis', redis.url, '--out', join(tmp.dir, 'farm'), '--fresh-weights', '--json'], { SIM_URL: simUrl }),
    ]);
    expect(emb.stderr).toBe('');
    expect(emb.code).toBe(0);
    expect(farm.stderr).toBe('');
    expect(farm.code).toBe(0);
    manifest = JSON.parse(await readFile(join(tmp.dir, 'farm', 'manifest.json'), 'utf8')) as Manifest;
  }, 180_000);

  it('routes every batch as the embedded run does: same data, same decisions.jsonl', async () => {
    expect(await sha256Files(join(tmp.dir, 'farm'))).toEqual(await sha256Files(join(tmp.dir, 'embedded')));
    expect(manifest.decisions!.file!.rows).toBe(40);
  });

  it('both workers made batches, and the weights in Redis learned from all of them', async () => {
    expect(Object.keys(manifest.hosts ?? {}).sort()).toEqual(['gpu1', 'gpu2']);
    const w = await farmWeights();
    const bioCheap = w.arms['people/bio/ollama:cheap:1b']!;
    const bioMid = w.arms['people/bio/ollama:mid:8b']!;
    expect(bioCheap.failed).toBeGreaterThan(bioCheap.passed);
    expect(bioMid.passed).toBeGreaterThan(bioMid.failed);
    // Every batch's verdicts: what the run's decisions say was asked of mid on bio, discounted, is in the arm.
    const asked = manifest.decisions!.routes.filter((r) => r.field === 'bio').reduce((n, r) => n + r.asked, 0);
    expect(asked).toBeGreaterThan(200);
  });

  it("the next run's coordinator starts from the farm's weights", async () => {
    const before = await farmWeights();
    const res = await runCli(['run', specPath, '--redis', redis.url, '--out', join(tmp.dir, 'farm2'), '--json'], { SIM_URL: simUrl });
    expect(res.code).toBe(0);
    const m2 = JSON.parse(await readFile(join(tmp.dir, 'farm2', 'manifest.json'), 'utf8')) as Manifest;
    expect(m2.decisions!.startingWeightsSha256).toBe(weightsHash(before));
    expect(m2.decisions!.startingWeightsSha256).not.toBe(manifest.decisions!.startingWeightsSha256);
    // Knowing already that cheap breaks bio, the second run sends bio to mid from its first batch.
    const lines = (await readFile(join(tmp.dir, 'farm2', 'decisions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { fields: string[]; chosen: string; batch: number });
    expect(lines.find((l) => l.fields[0] === 'bio' && l.batch === 0)!.chosen).toBe('mid');
  }, 120_000);
});
