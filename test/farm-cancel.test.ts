import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '@synthfarm/api';
import { connectFarm, createFarmService, type FarmConnection } from '@synthfarm/farm';
import { tempDir } from './support/cli.js';
import { killAll, killRunCoordinators, lastJson, runCli, sha256Files, spawnCli, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * Farm mode is never silent (issue 8 item 5, DESIGN §4): a run no worker can serve says so
 * within seconds and keeps saying it; `synthfarm cancel RUN` and `DELETE /runs/:id` end a run,
 * every record not written becoming a reject with reason `cancelled` (written + rejected =
 * requested, status `cancelled`, exit 1 for the waiting `run`); a run that has ended is refused
 * and left untouched.
 */

const MODEL_SPEC = `version: 1
seed: 5
datasets:
  - name: notes
    count: 60
    batchSize: 20
    fields:
      id:   { kind: sequence, start: 1 }
      text: { kind: llm, prompt: "one short note", maxLength: 60 }
  - name: tags
    count: 15
    fields:
      id: { kind: sequence, start: 1 }
stages:
  generate: { backend: fast }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["http://127.0.0.1:9"], slots: 4 }
output: { formats: [csv, jsonl], dir: out }
`;
const CODE_SPEC = `version: 1
seed: 5
datasets:
  - name: items
    count: 40
    batchSize: 10
    fields:
      id: { kind: sequence, start: 1 }
output: { formats: [csv], dir: out }
`;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle | undefined;
let farm: FarmConnection | undefined;
let modelSpec: string;
let codeSpec: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-cancel-');
  modelSpec = join(tmp.dir, 'model.yaml');
  codeSpec = join(tmp.dir, 'code.yaml');
  await writeFile(modelSpec, MODEL_SPEC);
  await writeFile(codeSpec, CODE_SPEC);
});
afterEach(async () => {
  await killAll();
  if (farm) await killRunCoordinators(farm);
  await farm?.close();
  await redis?.stop();
  farm = undefined;
  redis = undefined;
});
afterAll(() => tmp?.cleanup());

async function world(): Promise<{ redis: RedisHandle; farm: FarmConnection }> {
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  return { redis, farm };
}

async function rejectLines(dir: string): Promise<Array<{ dataset: string; index: number; reason: string }>> {
  return (await readFile(join(dir, 'rejects.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('a farm run no worker serves', () => {
  it('says "0 workers serve gemma3:4b" within seconds and again later; `synthfarm cancel` ends it, the rest rejects `cancelled`, `run` exits 1', async () => {
    const w = await world();
    const out = join(tmp.dir, 'no-worker');
    const run = spawnCli(['run', modelSpec, '--redis', w.redis.url, '--out', out, '--json']);
    const message = `synthfarm: 0 workers serve gemma3:4b; start one with \`synthfarm worker --redis ${w.redis.url} --host NAME=URL\``;
    // Timeouts of waits only bound a hang: a loaded machine can take seconds to start the CLI.
    await waitFor(() => run.stderr().includes(message), { timeoutMs: 30_000, what: 'the no-worker message' });
    const seenAt = Date.now();
    const { runId, createdAt } = (await w.farm.store.list(1))[0]!;
    // "Within seconds" counted from the run's creation by the CLI, not from our spawn: the watch
    // checks every 2 s; a message held back to the 10 s repeat would be past this bound.
    expect(seenAt - Date.parse(createdAt)).toBeLessThan(7000);
    await waitFor(() => run.stderr().split(message).length > 2, { timeoutMs: 40_000, what: 'the no-worker message again' });

    const cancel = await runCli(['cancel', runId, '--redis', w.redis.url]);
    expect(cancel.stderr).toBe('');
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`run ${runId} cancelled: 0 written, 75 rejected of 75`);

    const res = await run.exited;
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`synthfarm: run ${runId} was cancelled; records not written are in rejects.jsonl (reason cancelled)`);
    expect(lastJson(res.stdout)).toMatchObject({ status: 'cancelled', datasets: { notes: { requested: 60, written: 0, rejected: 60 }, tags: { requested: 15, written: 0, rejected: 15 } } });
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('cancelled');
    const rejects = await rejectLines(out);
    expect(rejects).toHaveLength(75);
    expect(new Set(rejects.map((r) => r.reason))).toEqual(new Set(['cancelled']));
    expect(rejects.filter((r) => r.dataset === 'notes').map((r) => r.index)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(await w.farm.store.summary(runId)).toMatchObject({ state: 'cancelled', done: 75, written: 0, rejected: 75 });
    // Its batches are off the queue: a worker started now finds nothing to do for it.
    expect(await w.farm.redis.keys(`${w.farm.keys.prefix}:batches-model-*:${runId}.*`)).toEqual([]);
  });

  it('code-only: says "0 workers are connected" until one is; cancelling the finished run is refused (exit 2) and changes nothing', async () => {
    const w = await world();
    const out = join(tmp.dir, 'code');
    const run = spawnCli(['run', codeSpec, '--redis', w.redis.url, '--out', out, '--json']);
    await waitFor(() => run.stderr().includes('synthfarm: 0 workers are connected; start one with `synthfarm worker'), { timeoutMs: 30_000, what: 'the no-worker message' });
    const { url } = await startSim({ tokensPerSecond: 1e6 });
    await spawnWorker({ redisUrl: w.redis.url, host: { name: 'gpu1', url }, extraArgs: ['--no-schedules'] });
    const res = await run.exited;
    expect(res.code).toBe(0);
    const { runId } = lastJson<{ runId: string }>(res.stdout);
    const before = await sha256Files(out);
    const manifest = await readFile(join(out, 'manifest.json'), 'utf8');

    const cancel = await runCli(['cancel', runId, '--redis', w.redis.url]);
    expect(cancel.code).toBe(2);
    expect(cancel.stderr).toContain(`run ${runId} is already completed: there is nothing to cancel`);
    expect(await sha256Files(out)).toEqual(before);
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(manifest);
    expect(await w.farm.store.summary(runId)).toMatchObject({ state: 'completed', written: 40, rejected: 0 });
    expect(await w.farm.redis.hexists(w.farm.keys.run(runId), 'cancel')).toBe(0);

    const unknown = await runCli(['cancel', 'nope', '--redis', w.redis.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run nope in');
  });

  it('DELETE /runs/:id ends a posted run (200, state cancelled); again → 409, unknown → 404', async () => {
    const w = await world();
    const service = createFarmService(w.farm);
    const app = await createServer({ service, insecure: true, outRoot: tmp.dir });
    try {
      const posted = await app.inject({ method: 'POST', url: '/runs?out=api-run', headers: { 'content-type': 'application/yaml' }, payload: MODEL_SPEC });
      expect(posted.statusCode).toBe(201);
      const { runId } = posted.json() as { runId: string };
      await waitFor(async () => (await w.farm.store.summary(runId))?.state === 'running', { what: 'the posted run to start' });

      const del = await app.inject({ method: 'DELETE', url: `/runs/${runId}` });
      expect(del.statusCode).toBe(200);
      expect(del.json()).toMatchObject({ runId, state: 'cancelled', total: 75, written: 0, rejected: 75 });
      expect(new Set((await rejectLines(join(tmp.dir, 'api-run'))).map((r) => r.reason))).toEqual(new Set(['cancelled']));

      const again = await app.inject({ method: 'DELETE', url: `/runs/${runId}` });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toEqual({ error: `run ${runId} is already cancelled: there is nothing to cancel` });
      expect((await app.inject({ method: 'DELETE', url: '/runs/nope' })).statusCode).toBe(404);
    } finally {
      await app.close();
      await service.close();
    }
  });
});
