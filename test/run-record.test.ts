import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@synthfarm/core';
import { parseRunEvent, type Manifest, type ManifestBackend, type RunEvent } from '@synthfarm/engine';
import { connectFarm, createFarmWorker, jobId, queueFor, submitRun, type FarmConnection } from '@synthfarm/farm';
import { parseSpecText } from '@synthfarm/spec';
import { tempDir } from './support/cli.js';
import { farmSpec, killAll, killRunCoordinators, lastJson, runCli, sha256Files, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * One run record (issue 8 item 2): both modes leave the same `events.jsonl` beside the manifest,
 * and the manifest's backends section, built from those events, has the same fields and the same
 * figures for the same spec against the same host. Per-host counts come from committed batches
 * only, so before the first commit `status` shows no host work and no rate.
 */

const CUSTOMERS = 400;
const ORDERS = 200;
const TOTAL = CUSTOMERS + ORDERS;

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let farm: FarmConnection;
let specPath: string;
let simUrl: string;
let embedded: { manifest: Manifest; events: RunEvent[]; hashes: Record<string, string> };
let farmed: { manifest: Manifest; events: RunEvent[]; hashes: Record<string, string>; runId: string };

async function readRun(out: string): Promise<{ manifest: Manifest; events: RunEvent[]; hashes: Record<string, string> }> {
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  const text = await readFile(join(out, 'events.jsonl'), 'utf8');
  const events = text.split('\n').filter(Boolean).map((l) => parseRunEvent(l));
  return { manifest, events, hashes: await sha256Files(out) };
}

beforeAll(async () => {
  tmp = await tempDir('synthfarm-run-record-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, farmSpec({ customers: CUSTOMERS, orders: ORDERS }));
  const [r, s] = await Promise.all([startRedis(), startSim({ slots: 8, tokensPerSecond: 20_000 })]);
  redis = r;
  simUrl = s.url;
  farm = await connectFarm(redis.url);
  // Both workers serve the one simulated host the embedded run calls: the same host label in both manifests.
  const [ref] = await Promise.all([
    runCli(['run', specPath, '--out', join(tmp.dir, 'embedded'), '--no-cache', '--json'], { SIM_URL: simUrl }),
    spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: simUrl } }),
    spawnWorker({ redisUrl: redis.url, host: { name: 'gpu2', url: simUrl } }),
  ]);
  expect(ref.stderr).toBe('');
  expect(ref.code).toBe(0);
  embedded = await readRun(join(tmp.dir, 'embedded'));
  const res = await runCli(['run', specPath, '--redis', redis.url, '--out', join(tmp.dir, 'farm'), '--json'], { SIM_URL: simUrl });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  farmed = { ...(await readRun(join(tmp.dir, 'farm'))), runId: lastJson<{ runId: string }>(res.stdout).runId };
});

afterAll(async () => {
  await killAll();
  if (farm) {
    await killRunCoordinators(farm);
    await farm.close();
  }
  await redis?.stop();
  await tmp?.cleanup();
});

describe('embedded and farm leave the same record', () => {
  it('same data bytes, and events.jsonl listed in both manifests', () => {
    expect(farmed.hashes).toEqual(embedded.hashes);
    for (const m of [embedded.manifest, farmed.manifest]) expect(m.events).toMatchObject({ path: 'events.jsonl', rows: expect.any(Number), bytes: expect.any(Number) });
  });

  it('the manifests\' backends sections agree field by field (latency and host timing aside)', () => {
    const e = embedded.manifest.backends.fast as ManifestBackend & { provider: string; model: string };
    const f = farmed.manifest.backends.fast as ManifestBackend & { provider: string; model: string };
    expect(Object.keys(f).sort()).toEqual(Object.keys(e).sort());
    expect(Object.keys(e).sort()).toEqual(['cacheHits', 'calls', 'cost', 'failures', 'hosts', 'latencyMs', 'model', 'provider', 'retries', 'tokensIn', 'tokensOut']);
    for (const k of ['provider', 'model', 'calls', 'failures', 'retries', 'cacheHits', 'tokensIn', 'tokensOut', 'cost'] as const) expect(f[k], k).toEqual(e[k]);
    // A zero-cost backend still says so.
    expect(f.cost).toBe(0);
    expect(e.calls).toBeGreaterThanOrEqual(CUSTOMERS / 25);
    for (const m of [e, f]) {
      expect(m.latencyMs.p50).toBeGreaterThan(0);
      expect(m.latencyMs.p95).toBeGreaterThanOrEqual(m.latencyMs.p50);
    }
    expect(Object.keys(f.hosts)).toEqual(Object.keys(e.hosts));
    for (const [url, h] of Object.entries(e.hosts)) {
      expect(f.hosts[url], url).toMatchObject({ calls: h.calls, failures: h.failures, tokensOut: h.tokensOut, circuit: h.circuit });
      expect(f.hosts[url]!.busyMs).toBeGreaterThan(0);
    }
  });

  it('the same events in the same order, timing aside; the farm\'s name the worker host of each batch', () => {
    const shape = (evs: RunEvent[]) => evs.map((ev) => {
      const { at: _at, ...rest } = ev as RunEvent & Record<string, unknown>;
      if (ev.type === 'backend_call') return { type: ev.type, dataset: ev.dataset, batch: ev.batch, tokensIn: ev.tokensIn, tokensOut: ev.tokensOut, ok: ev.ok, host: ev.host };
      if (ev.type === 'batch_committed') return { ...rest, host: undefined, busyMs: undefined };
      if (ev.type === 'run_state') return { type: ev.type, state: ev.state };
      return rest;
    });
    expect(shape(farmed.events)).toEqual(shape(embedded.events));
    const commits = farmed.events.filter((e) => e.type === 'batch_committed');
    expect(commits).toHaveLength(CUSTOMERS / 50 + ORDERS / 50);
    for (const c of commits) expect(['gpu1', 'gpu2']).toContain(c.host);
    // Output tokens of committed batches (what the progress bar's tok/s is made of) are not 0 in farm mode.
    const tokens = commits.reduce((n, c) => n + c.tokensOut, 0);
    expect(tokens).toBe((farmed.manifest.backends.fast as ManifestBackend).tokensOut);
    expect(tokens).toBeGreaterThan(0);
    expect(farmed.events.at(-1)).toMatchObject({ type: 'run_state', state: 'completed' });
  });

  it('farm manifest and status count each record once per host: the hosts add up to the total', async () => {
    const hosts = farmed.manifest.hosts!;
    expect(Object.values(hosts).reduce((n, h) => n + h.records, 0)).toBe(TOTAL);
    const st = await runCli(['status', farmed.runId, '--redis', redis.url, '--json']);
    const run = lastJson<{ state: string; hosts: Record<string, { records: number; circuit: string }>; recordsPerSec?: number }>(st.stdout);
    expect(run.state).toBe('completed');
    expect(Object.values(run.hosts).reduce((n, h) => n + h.records, 0)).toBe(TOTAL);
    expect(run.recordsPerSec).toBeUndefined();
  });

  it('a farm run\'s event stream in Redis is bounded (MAXLEN ~) and holds the same batches', async () => {
    const entries = await farm.redis.xrange(farm.keys.eventStream(farmed.runId), '-', '+');
    const commits = entries.map(([, f]) => parseRunEvent(f[1]!)).filter((e) => e.type === 'batch_committed');
    expect(commits.map((c) => c.type === 'batch_committed' && `${c.dataset}:${c.batch}`)).toEqual(farmed.events.filter((e) => e.type === 'batch_committed').map((c) => c.type === 'batch_committed' && `${c.dataset}:${c.batch}`));
  });
});

describe('status before the first commit', () => {
  it('a worker finished a batch the committer has not taken: no host work and no rate shown', async () => {
    const loaded = parseSpecText(farmSpec({ customers: 100, orders: 50 }), 'spec.yaml', { env: { SIM_URL: simUrl }, overrides: { outDir: join(tmp.dir, 'early') } });
    const runId = await submitRun(farm.store, loaded, { outDir: join(tmp.dir, 'early') });
    await farm.store.setState(runId, 'running');
    const worker = await createFarmWorker({ redisUrl: redis.url, host: { name: 'gpu9', url: simUrl }, slots: 2, log: createLogger({ name: 'worker', level: 'silent' }) });
    const queue = new Queue(queueFor(loaded.spec, 0), { connection: { url: redis.url }, prefix: farm.keys.prefix });
    try {
      // Batch 1 only: batch 0 (the first to commit) is never handed out.
      await queue.add('batch', { runId, dataset: 0, batch: 1, start: 50, count: 50, ops: {} }, { jobId: jobId(runId, 0, 1) });
      await waitFor(() => farm.results.get(runId, 0, 1), { what: 'batch 1 to be finished by a worker' });
      const s = (await farm.store.summary(runId))!;
      expect(s.done).toBe(0);
      expect(s.etaSeconds).toBeUndefined();
      expect(s.recordsPerSec).toBeUndefined();
      expect(Object.values(s.hosts).filter((h) => h.records > 0 || h.recordsPerSec > 0)).toEqual([]);
    } finally {
      await queue.close();
      await worker.close();
    }
  });
});

describe('a host on cooldown', () => {
  it('status and /metrics show its circuit open (fed by its host_state event), and closed again once it is back', async () => {
    const { createFarmMetrics } = await import('@synthfarm/api');
    // The workers of the runs above would take this run's batch: only the sick host's worker serves now.
    await killAll();
    const sick = await startSim({ slots: 2, tokensPerSecond: 1e6, faults: { errorRate: 1 } });
    // No retries inside a call: the host's failure reaches the worker at once.
    const loaded = parseSpecText(farmSpec({ customers: 50, orders: 50 }).replace('slots: 4 }', 'slots: 4, maxRetries: 0 }'), 'spec.yaml', { env: { SIM_URL: sick.url }, overrides: { outDir: join(tmp.dir, 'sick') } });
    const runId = await submitRun(farm.store, loaded, { outDir: join(tmp.dir, 'sick') });
    await farm.store.setState(runId, 'running');
    const worker = await createFarmWorker({ redisUrl: redis.url, host: { name: 'sick', url: sick.url }, slots: 2, cooldownMs: 3000, log: createLogger({ name: 'worker', level: 'silent' }) });
    const queue = new Queue(queueFor(loaded.spec, 0), { connection: { url: redis.url }, prefix: farm.keys.prefix });
    const metrics = createFarmMetrics({ listRuns: () => farm.store.list(), queueDepths: async () => ({}) } as unknown as Parameters<typeof createFarmMetrics>[0]);
    try {
      await queue.add('batch', { runId, dataset: 0, batch: 0, start: 0, count: 50, ops: {} }, { jobId: jobId(runId, 0, 0) });
      await waitFor(async () => (await farm.store.summary(runId))!.hosts.sick?.circuit === 'open', { timeoutMs: 20_000, intervalMs: 50, what: 'status to show host sick open' });
      expect((await metrics.scrape()).split('\n')).toContain('synthfarm_host_circuit_open{host="sick"} 1');
      // The event is in the run's stream too.
      const entries = await farm.redis.xrange(farm.keys.eventStream(runId), '-', '+');
      expect(entries.map(([, f]) => parseRunEvent(f[1]!))).toContainEqual(expect.objectContaining({ type: 'host_state', worker: 'sick', state: 'cooldown' }));
      sick.sim.setFaults({ errorRate: 0 });
      await waitFor(async () => (await farm.store.summary(runId))!.hosts.sick?.circuit === 'closed', { timeoutMs: 20_000, what: 'host sick back from cooldown' });
      expect((await metrics.scrape()).split('\n')).toContain('synthfarm_host_circuit_open{host="sick"} 0');
    } finally {
      await queue.close();
      await worker.close();
    }
  });
});
