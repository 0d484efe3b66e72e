import { mkdir, readdir, readFile, rename, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '@synthfarm/api';
import { connectFarm, createFarmService, createFarmWorker, type FarmConnection, type FarmService, type FarmWorker, type RunSummary } from '@synthfarm/farm';
import { tempDir } from '../support/cli.js';
import { killAll, startSim, waitFor } from '../support/farm-harness.js';
import { startRedis, type RedisHandle } from '../support/redis-server.js';

/**
 * `serve --out-root` against a symlink race: POST /runs checks `out` at request time; an
 * attacker who can write in the root then swaps a symbolic link into the path before (or while)
 * the coordinator creates the files. Not one file may land outside the root; a run whose path
 * holds a link fails with a message naming it.
 */

const COUNT = 200;
const SPEC = {
  version: 1,
  seed: 5,
  datasets: [{
    name: 'people', count: COUNT, batchSize: 50, recordsPerCall: 25,
    fields: { id: { kind: 'sequence', start: 1 }, bio: { kind: 'llm', prompt: 'one sentence about person {{id}}', maxLength: 80 } },
  }],
  stages: { generate: { backend: 'fast' } },
  backends: { fast: { provider: 'ollama', model: 'gemma3:4b', hosts: ['http://127.0.0.1:9'], slots: 2 } },
  output: { formats: ['csv', 'jsonl'] },
};

let redis: RedisHandle;
let farm: FarmConnection;
let service: FarmService;
let worker: FarmWorker;
let app: FastifyInstance;
let base: string;
let tmp: { dir: string; cleanup: () => Promise<void> };
let root: string;
let outside: string;
/** Runs between the server's out check and the farm's submit: the attacker's window. */
let betweenCheckAndCreate: (() => Promise<void>) | undefined;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-out-race-');
  root = join(tmp.dir, 'root');
  outside = join(tmp.dir, 'outside');
  await mkdir(root);
  await mkdir(outside);
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  const { url } = await startSim({ slots: 2, tokensPerSecond: 800 });
  worker = await createFarmWorker({ redisUrl: redis.url, host: { name: 'gpu1', url }, slots: 2 });
  service = createFarmService(farm);
  const raced: FarmService = {
    ...service,
    submit: async (specText, opts) => {
      await betweenCheckAndCreate?.();
      return service.submit(specText, opts);
    },
  };
  app = await createServer({ service: raced, outRoot: root, insecure: true });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await service?.close();
  await worker?.close();
  await farm?.close();
  await killAll();
  await redis?.stop();
  await tmp?.cleanup();
});

async function post(out: string): Promise<string> {
  const res = await fetch(`${base}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec: SPEC, out }) });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { runId: string }).runId;
}

function finished(runId: string, timeoutMs = 30_000): Promise<RunSummary> {
  return waitFor(async () => {
    const r = await service.getRun(runId);
    return r && ['completed', 'failed', 'budget_exceeded'].includes(r.state) ? r : undefined;
  }, { timeoutMs, what: `run ${runId} to finish` });
}

/** Every file below `dir`, hidden ones included, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('out-root: a symlink swapped in after the POST check', () => {
  it.each([
    ['a parent of out', 'race1/data', 'race1'],
    ['out itself', 'race2', 'race2'],
  ])('a link at %s: the run fails naming the link, nothing is written outside', async (_, out, linkAt) => {
    betweenCheckAndCreate = () => symlink(outside, join(root, linkAt));
    try {
      const runId = await post(out);
      const run = await finished(runId);
      expect(run.state).toBe('failed');
      expect(run.error).toBe(`output directory ${join(root, out)}: ${join(root, linkAt)} is a symbolic link; refusing to write outside ${root}`);
    } finally {
      betweenCheckAndCreate = undefined;
    }
    expect(await filesUnder(outside)).toEqual([]);
  }, 40_000);

  it('the directory swapped for a link mid-run: writes stay in the directory that was opened', async () => {
    const runId = await post('swap/here');
    await waitFor(async () => ((await service.getRun(runId))?.done ?? 0) > 0, { what: 'the first batch committed' });
    // The attacker moves the directory away (inside the root) and links its name outside.
    await rename(join(root, 'swap'), join(root, 'swap-moved'));
    await symlink(outside, join(root, 'swap'));
    const run = await finished(runId);
    expect(run).toMatchObject({ state: 'completed', written: COUNT });
    expect(await filesUnder(outside)).toEqual([]);
    expect(await filesUnder(join(root, 'swap-moved/here'))).toEqual(['decisions.jsonl', 'events.jsonl', 'manifest.json', 'people.csv', 'people.jsonl', 'rejects.jsonl', 'report-data.json', 'report.html']);
    const manifest = JSON.parse(await readFile(join(root, 'swap-moved/here/manifest.json'), 'utf8')) as { status: string; datasets: { people: { files: Array<{ path: string }> } } };
    expect(manifest.status).toBe('completed');
    expect(manifest.datasets.people.files.map((f) => f.path)).toEqual(['people.csv', 'people.jsonl']);
  }, 40_000);

  it('without a race, a posted run writes its files under the root as usual', async () => {
    const runId = await post('plain/run');
    expect(await finished(runId)).toMatchObject({ state: 'completed', written: COUNT, outDir: join(root, 'plain/run') });
    expect(await filesUnder(join(root, 'plain/run'))).toEqual(['decisions.jsonl', 'events.jsonl', 'manifest.json', 'people.csv', 'people.jsonl', 'rejects.jsonl', 'report-data.json', 'report.html']);
    const csv = (await readFile(join(root, 'plain/run/people.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv).toHaveLength(COUNT + 1);
  }, 40_000);
});
