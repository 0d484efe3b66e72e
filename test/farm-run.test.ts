import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { connectFarm } from '@synthfarm/farm';
import { tempDir } from './support/cli.js';
import { farmSpec, killAll, killRunCoordinators, lastJson, listDir, runCli, sha256Files, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { readCsv, sha256File } from './support/output.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * Farm mode end to end (DESIGN §6): `synthfarm run --redis` with two worker processes on two
 * simulated GPU hosts writes the same bytes as an embedded run of the same spec and seed;
 * `--detach` hands the run to a background coordinator; `status` reports runs.
 */

interface RunSummaryJson {
  runId: string;
  state: string;
  total: number;
  done: number;
  written: number;
  rejected: number;
  outDir: string;
  hosts: Record<string, { records: number }>;
}

const CUSTOMERS = 1000;
const ORDERS = 800;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let specPath: string;
let embedded: Record<string, string>;
let simUrl: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-run-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, farmSpec({ customers: CUSTOMERS, orders: ORDERS }));
  const [r, s1, s2] = await Promise.all([startRedis(), startSim({ slots: 4, tokensPerSecond: 20_000 }), startSim({ slots: 4, tokensPerSecond: 20_000 })]);
  redis = r;
  simUrl = s1.url;
  // Workers first (they take a second to start), the embedded reference run meanwhile.
  const [ref] = await Promise.all([
    runCli(['run', specPath, '--out', join(tmp.dir, 'embedded'), '--no-cache', '--json'], { SIM_URL: simUrl }),
    spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: s1.url } }),
    spawnWorker({ redisUrl: redis.url, host: { name: 'gpu2', url: s2.url } }),
  ]);
  expect(ref.stderr).toBe('');
  expect(ref.code).toBe(0);
  embedded = await sha256Files(join(tmp.dir, 'embedded'));
});

afterAll(async () => {
  await killAll();
  if (redis) {
    // The --detach case's background coordinator, if a failure left it running.
    const farm = await connectFarm(redis.url);
    await killRunCoordinators(farm);
    await farm.close();
  }
  await redis?.stop();
  await tmp?.cleanup();
});

describe('synthfarm run SPEC --redis URL (two workers, two hosts)', () => {
  let res: Awaited<ReturnType<typeof runCli>>;
  let out: string;
  let manifest: Manifest;

  beforeAll(async () => {
    out = join(tmp.dir, 'farm');
    res = await runCli(['run', specPath, '--redis', redis.url, '--out', out, '--json'], { SIM_URL: simUrl });
    manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  });

  it('exits 0 with a JSON summary: every record written', () => {
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({
      status: 'completed',
      outDir: out,
      datasets: { customers: { requested: CUSTOMERS, written: CUSTOMERS, rejected: 0 }, orders: { requested: ORDERS, written: ORDERS, rejected: 0 } },
    });
  });

  it('writes byte-identical files to the embedded run (csv, jsonl, rejects, decisions), and no part files', async () => {
    expect(Object.keys(embedded)).toEqual(['customers.csv', 'customers.jsonl', 'decisions.jsonl', 'orders.csv', 'orders.jsonl', 'rejects.jsonl']);
    expect(await listDir(out)).toEqual(['customers.csv', 'customers.jsonl', 'decisions.jsonl', 'events.jsonl', 'manifest.json', 'orders.csv', 'orders.jsonl', 'rejects.jsonl', 'report-data.json', 'report.html']);
    expect(await sha256Files(out)).toEqual(embedded);
  });

  it('the data holds: ids 1..N once, unique emails (suffixed on collision), the model wrote every bio, orders point at customers', async () => {
    const customers = (await readCsv(join(out, 'customers.csv'))).rows;
    const orders = (await readCsv(join(out, 'orders.csv'))).rows;
    expect(customers.map((c) => Number(c.id))).toEqual(Array.from({ length: CUSTOMERS }, (_, i) => i + 1));
    expect(new Set(customers.map((c) => c.email)).size).toBe(CUSTOMERS);
    // First names collide within 1000 records: uniqueness suffixed some (ann@, ann2@), in the jobs' ops.
    expect(customers.filter((c) => /\d@example\.com$/.test(c.email!)).length).toBeGreaterThan(10);
    expect(customers.filter((c) => !c.bio)).toEqual([]);
    expect(new Set(customers.map((c) => c.mood))).toEqual(new Set(['happy', 'neutral', 'grumpy']));
    expect(orders.map((o) => Number(o.id))).toEqual(Array.from({ length: ORDERS }, (_, i) => i + 1));
    expect(orders.filter((o) => !(Number(o.customerId) >= 1 && Number(o.customerId) <= CUSTOMERS))).toEqual([]);
  });

  it('manifest: mode farm, completed, written + rejected = requested, files as on disk, model calls counted', async () => {
    expect(manifest).toMatchObject({ mode: 'farm', status: 'completed', seed: 11, offline: false });
    expect(manifest.runId).toBe(lastJson<{ runId: string }>(res.stdout).runId);
    for (const [name, d] of Object.entries(manifest.datasets)) {
      expect(d.written + d.rejected, name).toBe(d.requested);
      for (const f of d.files) {
        expect(f.sha256, f.path).toBe(await sha256File(join(out, f.path)));
        expect(f.rows, f.path).toBe(d.written);
      }
    }
    expect(manifest.datasets.customers!.requested).toBe(CUSTOMERS);
    expect(manifest.datasets.orders!.requested).toBe(ORDERS);
    expect(manifest.rejects).toMatchObject({ path: 'rejects.jsonl', rows: 0, bytes: 0 });
    // 1000 customers, 25 per call: at least 40 calls on the generate backend.
    expect((manifest.backends.fast as { calls: number }).calls).toBeGreaterThanOrEqual(CUSTOMERS / 25);
  });

  it('status RUN --json: completed with the counts, and both hosts did work', async () => {
    const { runId } = lastJson<{ runId: string }>(res.stdout);
    const st = await runCli(['status', runId, '--redis', redis.url, '--json']);
    expect(st.code).toBe(0);
    const run = lastJson<RunSummaryJson>(st.stdout);
    expect(run).toMatchObject({ runId, state: 'completed', total: CUSTOMERS + ORDERS, done: CUSTOMERS + ORDERS, written: CUSTOMERS + ORDERS, rejected: 0, outDir: out });
    expect(Object.keys(run.hosts).sort()).toEqual(['gpu1', 'gpu2']);
  });
});

describe('synthfarm run SPEC --redis URL --detach', () => {
  it('prints the run id at once; status RUN --json shows it completed, with the same bytes', async () => {
    const out = join(tmp.dir, 'detached');
    const res = await runCli(['run', specPath, '--redis', redis.url, '--out', out, '--detach'], { SIM_URL: simUrl });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const runId = res.stdout.trim();
    expect(runId).toMatch(/^\S+$/);

    const done = await waitFor(
      async () => {
        const st = await runCli(['status', runId, '--redis', redis.url, '--json']);
        const run = lastJson<RunSummaryJson>(st.stdout);
        return run.state === 'completed' || run.state === 'failed' ? run : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 250, what: `run ${runId} to end` },
    );
    expect(done).toMatchObject({ runId, state: 'completed', done: CUSTOMERS + ORDERS, written: CUSTOMERS + ORDERS, rejected: 0, outDir: out });
    expect(await sha256Files(out)).toEqual(embedded);
  });

  it('status lists the runs, newest first, as JSON and as text', async () => {
    const st = await runCli(['status', '--redis', redis.url, '--json']);
    expect(st.code).toBe(0);
    const { runs } = lastJson<{ runs: RunSummaryJson[] }>(st.stdout);
    expect(runs).toHaveLength(2);
    expect(runs.map((r) => r.state)).toEqual(['completed', 'completed']);
    expect(runs.map((r) => r.outDir)).toEqual([join(tmp.dir, 'detached'), join(tmp.dir, 'farm')]);

    const text = await runCli(['status', '--redis', redis.url]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const [i, r] of runs.entries()) expect(lines[i]).toContain(r.runId);
    expect(lines[0]).toMatch(/completed\s+1800\/1800 \(1800 written, 0 rejected\)/);
  });
});
