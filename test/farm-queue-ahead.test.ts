import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { tempDir } from './support/cli.js';
import { killAll, spawnCli, spawnWorker, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * A farm worker keeps one request waiting at its host beyond the host's slots (`--queue-ahead`,
 * default 1), as Ollama queues them: a slot that frees starts the next call at once instead of
 * idling for a round trip through the worker. Its host's model time in the manifest is the
 * server's own (prompt evaluation + generation), not the time a request waited in that queue.
 */
const SLOTS = 2;
const SPEC = `seed: 9
name: notes
count: 160
batchSize: 20
recordsPerCall: 10
fields:
  id:   { kind: sequence }
  text: { kind: llm, prompt: "one short note", maxLength: 60 }
stages:
  generate: { backend: fast }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["http://127.0.0.1:9"] }
output: { formats: [csv], dir: out }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle | undefined;
beforeAll(async () => {
  tmp = await tempDir('synthfarm-queue-ahead-');
});
afterEach(async () => {
  await killAll();
  await redis?.stop();
  redis = undefined;
});
afterAll(() => tmp?.cleanup());

async function runWith(extraArgs: string[], name: string) {
  redis = await startRedis();
  // ~200 output tokens a call at 2,000 tokens/s: each call holds its slot ~0.1 s.
  const { sim, url } = await startSim({ slots: SLOTS, tokensPerSecond: 2000 });
  await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url }, slots: SLOTS, extraArgs: ['--no-schedules', ...extraArgs] });
  const spec = join(tmp.dir, `${name}.yaml`);
  await writeFile(spec, SPEC);
  const out = join(tmp.dir, name);
  const run = spawnCli(['run', spec, '--redis', redis.url, '--out', out, '--json']);
  const res = await run.exited;
  expect(res.code, res.stderr).toBe(0);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  return { stats: sim.stats(), manifest };
}

describe('queue-ahead', () => {
  it('by default a worker keeps one request waiting at its host; the host never runs more than its slots', async () => {
    const { stats, manifest } = await runWith([], 'default');
    expect(manifest.datasets.notes).toMatchObject({ written: 160, rejected: 0 });
    expect(stats.maxConcurrent).toBe(SLOTS);
    expect(stats.maxQueued).toBe(1);
    expect(stats.rejectedBusy).toBe(0);
    // Model time is the server's (the durations it reports), not inflated by the waits in its
    // queue or the worker's: at most the sim's own slot time (which its timers can only lengthen
    // on a loaded machine), where the call latencies came to ~1.8x it.
    const host = manifest.hosts!.gpu1!;
    expect(host.busyMs).toBeGreaterThan(0.5 * stats.busySlotMs);
    expect(host.busyMs).toBeLessThanOrEqual(1.02 * stats.busySlotMs);
  }, 120_000);

  it('--queue-ahead 0 sends a request only when a slot is free', async () => {
    const { stats, manifest } = await runWith(['--queue-ahead', '0'], 'none');
    expect(manifest.datasets.notes).toMatchObject({ written: 160, rejected: 0 });
    expect(stats.maxConcurrent).toBe(SLOTS);
    expect(stats.maxQueued).toBe(0);
  }, 120_000);
});
