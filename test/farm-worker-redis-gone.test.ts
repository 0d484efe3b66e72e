import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/cli.js';
import { killAll, spawnCli, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * A worker whose Redis is gone still exits on the first SIGTERM within its drain time (issue 8
 * item 4): nothing it does on the way out (finishing batches, handing them back, removing its
 * heartbeat, closing the schedule worker) may wait for a Redis that does not answer.
 */

const DRAIN_MS = 500;
/** Process start-up and teardown on a busy two-core machine. */
const MARGIN_MS = 3000;

const SPEC = `version: 1
seed: 5
datasets:
  - name: notes
    count: 100
    batchSize: 25
    recordsPerCall: 25
    fields:
      id:   { kind: sequence, start: 1 }
      text: { kind: llm, prompt: "one short note", maxLength: 60 }
stages:
  generate: { backend: fast }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["http://127.0.0.1:9"], slots: 4 }
output: { formats: [csv], dir: out }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle | undefined;
beforeAll(async () => {
  tmp = await tempDir('synthfarm-redis-gone-');
});
afterEach(async () => {
  await killAll();
  await redis?.stop();
  redis = undefined;
});
afterAll(() => tmp?.cleanup());

async function exitWithin(p: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([p, new Promise((r) => setTimeout(() => r('still running'), ms))]);
}

describe('a worker whose Redis is gone', () => {
  it('idle, schedules on: exits 0 on the first SIGTERM within its drain time', async () => {
    redis = await startRedis();
    const { url } = await startSim({ slots: 2, tokensPerSecond: 1e6 });
    const worker = await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url }, extraArgs: ['--drain-ms', String(DRAIN_MS)] });
    await redis.kill();
    const t0 = Date.now();
    worker.kill('SIGTERM');
    const exit = await exitWithin(worker.exited, DRAIN_MS + MARGIN_MS);
    expect(exit, `the worker's stderr:\n${worker.stderr()}`).toMatchObject({ code: 0 });
    expect(Date.now() - t0).toBeLessThan(DRAIN_MS + MARGIN_MS);
  });

  it('mid-batch: exits 0 on the first SIGTERM within its drain time', async () => {
    redis = await startRedis();
    const spec = join(tmp.dir, 'spec.yaml');
    await writeFile(spec, SPEC);
    const slow = await startSim({ slots: 4, tokensPerSecond: 5 });
    const worker = await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: slow.url }, extraArgs: ['--drain-ms', String(DRAIN_MS), '--no-schedules'] });
    spawnCli(['run', spec, '--redis', redis.url, '--out', join(tmp.dir, 'out')]);
    await waitFor(() => slow.sim.stats().active >= 4, { what: 'the worker to be generating' });
    await redis.kill();
    const t0 = Date.now();
    worker.kill('SIGTERM');
    const exit = await exitWithin(worker.exited, DRAIN_MS + MARGIN_MS);
    expect(exit, `the worker's stderr:\n${worker.stderr()}`).toMatchObject({ code: 0 });
    expect(Date.now() - t0).toBeLessThan(DRAIN_MS + MARGIN_MS);
  });
});
