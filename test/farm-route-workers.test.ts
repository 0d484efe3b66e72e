import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { connectFarm } from '@synthfarm/farm';
import { tempDir } from './support/cli.js';
import { killAll, killRunCoordinators, spawnCli, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * A farm run whose route is served only partly says which models have no worker (issue 10): the
 * coordinator's worker watch considers every model a route may call, not only the stage's first
 * backend. Here `mid` is defined first (the old check looked at it alone, and a worker serves it),
 * while the cascade writes first with `cheap`, which no worker serves: the run waited in silence.
 */
const SPEC = `seed: 4
name: people
count: 40
batchSize: 10
recordsPerCall: 10
fields:
  id:   { kind: sequence }
  mood: { kind: llm, prompt: "their mood", values: [happy, neutral, grumpy] }
  bio:  { kind: llm, prompt: "one sentence about them", maxLength: 80 }
stages:
  generate: { route: cascade, backends: [cheap, mid] }
backends:
  mid:   { provider: ollama, model: "mid:8b",   tier: 2, hosts: ["http://127.0.0.1:9"], costPer1kInput: 4, costPer1kOutput: 4 }
  cheap: { provider: ollama, model: "cheap:1b", tier: 1, hosts: ["http://127.0.0.1:9"], costPer1kInput: 1, costPer1kOutput: 1 }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-route-workers-');
  redis = await startRedis();
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

describe('a route that the farm serves only partly', () => {
  it('says which of its models have no worker, until a worker serving all of them comes; then the run completes', async () => {
    const spec = join(tmp.dir, 'spec.yaml');
    await writeFile(spec, SPEC);
    const midOnly = await startSim({ models: ['mid:8b'], tokensPerSecond: 1e6 });
    await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu-mid', url: midOnly.url }, extraArgs: ['--no-schedules'] });
    const out = join(tmp.dir, 'out');
    const run = spawnCli(['run', spec, '--redis', redis.url, '--out', out, '--json']);
    const message = `synthfarm: 0 workers serve cheap:1b, which dataset people's route may call (mid:8b has one); start one with \`synthfarm worker --redis ${redis.url} --host NAME=URL\``;
    await waitFor(() => run.stderr().includes(message) || run.hasExited(), { timeoutMs: 40_000, what: 'the partly-served message' });
    expect(run.stderr()).toContain(message);
    expect(run.hasExited()).toBe(false);

    const both = await startSim({ models: ['cheap:1b', 'mid:8b'], tokensPerSecond: 1e6 });
    await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu-both', url: both.url }, extraArgs: ['--no-schedules'] });
    const res = await run.exited;
    expect(res.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.datasets.people).toMatchObject({ written: 40, rejected: 0 });
    expect(Object.keys(manifest.hosts ?? {})).toEqual(['gpu-both']);
  }, 120_000);
});
