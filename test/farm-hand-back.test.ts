import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@synthfarm/core';
import { connectFarm, createFarmWorker, modelQueue, type FarmConnection, type FarmWorker } from '@synthfarm/farm';
import { tempDir } from './support/cli.js';
import { killAll, killRunCoordinators, lastJson, spawnCli, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * Handing a batch back is not a failed attempt (issue 8 item 4). A worker whose host is on
 * cooldown, or which is draining on SIGTERM, gives its batches back the way BullMQ's authors
 * do it (the job moved back to wait with the lock's token, `WaitingError`): `attemptsMade`
 * stays 0, so a batch that was only ever handed back can never run out of attempts and have
 * its records rejected.
 */

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
let specPath: string;
let redis: RedisHandle | undefined;
let farm: FarmConnection | undefined;
let queue: Queue | undefined;
let inProcess: FarmWorker | undefined;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-hand-back-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, SPEC);
});
afterEach(async () => {
  await inProcess?.close().catch(() => undefined);
  inProcess = undefined;
  await killAll();
  await queue?.close();
  if (farm) await killRunCoordinators(farm);
  await farm?.close();
  await redis?.stop();
  redis = undefined;
  farm = undefined;
  queue = undefined;
});
afterAll(() => tmp?.cleanup());

async function world(): Promise<{ redis: RedisHandle; farm: FarmConnection; queue: Queue }> {
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  queue = new Queue(modelQueue('gemma3:4b'), { connection: { url: redis.url }, prefix: farm.keys.prefix });
  return { redis, farm, queue };
}

async function runJobs(q: Queue): Promise<Job[]> {
  return (await q.getJobs(['waiting', 'active', 'delayed', 'failed', 'prioritized'])).filter(Boolean);
}

describe('handing a batch back does not spend an attempt', () => {
  it('a worker SIGTERMed mid-batch hands its batches back to wait with attemptsMade 0; another worker finishes them', async () => {
    const w = await world();
    const slow = await startSim({ slots: 4, tokensPerSecond: 5 });
    const worker = await spawnWorker({ redisUrl: w.redis.url, host: { name: 'slow', url: slow.url }, extraArgs: ['--drain-ms', '200', '--no-schedules'] });
    const run = spawnCli(['run', specPath, '--redis', w.redis.url, '--out', join(tmp.dir, 'drain'), '--json']);
    await waitFor(() => slow.sim.stats().active >= 4, { what: 'the slow host to be generating four batches' });
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);

    const jobs = await runJobs(w.queue);
    expect(jobs).toHaveLength(4);
    for (const j of jobs) {
      expect(j.attemptsMade, `job ${j.id} attemptsMade`).toBe(0);
      expect(await j.getState(), `job ${j.id} state`).toBe('waiting');
    }
    const fast = await startSim({ slots: 4, tokensPerSecond: 1e6 });
    await spawnWorker({ redisUrl: w.redis.url, host: { name: 'fast', url: fast.url }, extraArgs: ['--no-schedules'] });
    const res = await run.exited;
    expect(res.code).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'completed' });
  });

  it('a host that keeps failing hands its batches back again and again without spending an attempt; healed, it writes every record', async () => {
    const w = await world();
    const sick = await startSim({ slots: 4, tokensPerSecond: 1e6, faults: { errorRate: 1 } });
    inProcess = await createFarmWorker({ redisUrl: w.redis.url, host: { name: 'sick', url: sick.url }, slots: 4, cooldownMs: 100, log: createLogger({ name: 'worker', level: 'silent' }) });
    // No retries inside a call: the host's failure reaches the worker at once.
    const failFast = join(tmp.dir, 'fail-fast.yaml');
    await writeFile(failFast, SPEC.replace('slots: 4 }', 'slots: 4, maxRetries: 0 }'));
    const run = spawnCli(['run', failFast, '--redis', w.redis.url, '--out', join(tmp.dir, 'cooldown'), '--json']);
    // Each hand-back starts the batch again (attemptsStarted); none may spend an attempt.
    const until = Date.now() + 40_000;
    for (;;) {
      const jobs = await runJobs(w.queue);
      for (const j of jobs) expect(j.attemptsMade, `job ${j.id} attemptsMade after ${j.attemptsStarted} starts`).toBe(0);
      if (jobs.length === 4 && jobs.every((j) => j.attemptsStarted >= 3)) break;
      expect(Date.now(), 'every batch handed back at least twice within 40 s').toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 100));
    }

    sick.sim.setFaults({ errorRate: 0 });
    const res = await run.exited;
    expect(res.code).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'completed', datasets: { notes: { written: 100, rejected: 0 } } });
  });
});
