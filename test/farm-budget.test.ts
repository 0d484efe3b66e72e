import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { connectFarm, dailySpend, type FarmConnection } from '@synthfarm/farm';
import { tempDir } from './support/cli.js';
import { farmSpec, killAll, killRunCoordinators, runCli, spawnWorker, startSim } from './support/farm-harness.js';
import { readJsonl } from './support/output.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * Budgets in farm mode (DESIGN §8): the coordinator reserves each batch's estimated cost before
 * it goes on the queue, so `--max-cost` holds within one batch while workers run a window of
 * them; the daily cap lives in Redis and is shared by every coordinator and worker of the farm.
 */

interface BackendCall { type: string; batch?: number; dataset?: string; cost: number }

let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let farm: FarmConnection;
let specPath: string;
/** USD per committed customers batch of a whole run (from an embedded run: farm output is the same). */
let perBatch: number[];
let simUrl: string;

/** The farm test spec with a price: 400 customers in batches of 50, two llm fields. */
const SPEC = farmSpec({ customers: 400, orders: 100, batchSize: 50 }).replace('slots: 4 }', 'slots: 4, costPer1kInput: 0.01, costPer1kOutput: 0.02 }');

async function batchCosts(out: string): Promise<number[]> {
  const by = new Map<string, number>();
  for (const e of await readJsonl<BackendCall>(join(out, 'events.jsonl'))) if (e.type === 'backend_call' && e.batch !== undefined) by.set(`${e.dataset}:${e.batch}`, (by.get(`${e.dataset}:${e.batch}`) ?? 0) + e.cost);
  return [...by.values()];
}

const manifestOf = async (out: string) => JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-budget-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, SPEC);
  const [r, s1, s2] = await Promise.all([startRedis(), startSim({ slots: 8, tokensPerSecond: 20_000 }), startSim({ slots: 8, tokensPerSecond: 20_000 })]);
  redis = r;
  simUrl = s1.url;
  farm = await connectFarm(redis.url);
  const [ref] = await Promise.all([
    runCli(['run', specPath, '--out', join(tmp.dir, 'embedded'), '--no-cache', '--json'], { SIM_URL: s1.url }),
    spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: s1.url }, slots: 8 }),
    spawnWorker({ redisUrl: redis.url, host: { name: 'gpu2', url: s2.url }, slots: 8 }),
  ]);
  expect(ref.code, ref.stderr).toBe(0);
  perBatch = await batchCosts(join(tmp.dir, 'embedded'));
}, 120_000);

afterAll(async () => {
  await killAll();
  if (farm) {
    await killRunCoordinators(farm);
    await farm.close();
  }
  await redis?.stop();
  await tmp?.cleanup();
});

describe('farm budgets', () => {
  it('--max-cost holds within one batch while two workers run a window of batches', async () => {
    const total = perBatch.reduce((n, x) => n + x, 0);
    const cap = Math.round(total * 0.5 * 1e4) / 1e4;
    const out = join(tmp.dir, 'max-cost');
    const res = await runCli(['run', specPath, '--redis', redis.url, '--out', out, '--max-cost', String(cap), '--json'], { SIM_URL: simUrl });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain(`budget reached: --max-cost ${cap} USD`);
    const m = await manifestOf(out);
    expect(m.status).toBe('budget_exceeded');
    for (const d of Object.values(m.datasets)) expect(d.written + d.rejected).toBe(d.requested);
    const spent = (await batchCosts(out)).reduce((n, x) => n + x, 0);
    expect(m.budget!.spent).toBeCloseTo(spent, 8);
    expect(spent).toBeLessThanOrEqual(cap + Math.max(...perBatch));
    expect(spent).toBeGreaterThan(cap - 2 * Math.max(...perBatch));
    // Farm mode always counts the day in Redis: this run's spending is there.
    expect(await dailySpend(farm.redis, farm.keys)).toBeCloseTo(spent, 6);
  }, 120_000);

  it('the daily cap set by a worker is shared: two runs at once stop together within one batch each of it', async () => {
    const before = await dailySpend(farm.redis, farm.keys);
    const total = perBatch.reduce((n, x) => n + x, 0);
    // Room for one and a half runs today: both cannot finish.
    const cap = Math.round((before + total * 1.5) * 1e4) / 1e4;
    // A third worker (no host of its own needed beyond a sim) sets the farm's cap as it starts.
    const { url } = await startSim({ slots: 2, tokensPerSecond: 20_000 });
    await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu3', url }, slots: 2, extraArgs: ['--max-daily-cost', String(cap), '--no-schedules'] });
    expect(await farm.redis.get(farm.keys.dailyCap)).toBe(String(cap));
    const outs = [join(tmp.dir, 'day-a'), join(tmp.dir, 'day-b')];
    const results = await Promise.all(outs.map((out) => runCli(['run', specPath, '--redis', redis.url, '--out', out, '--json'], { SIM_URL: simUrl })));
    const manifests = await Promise.all(outs.map(manifestOf));
    const statuses = manifests.map((m) => m.status).sort();
    expect(statuses).toContain('budget_exceeded');
    for (const [i, m] of manifests.entries()) {
      for (const d of Object.values(m.datasets)) expect(d.written + d.rejected).toBe(d.requested);
      if (m.status === 'budget_exceeded') {
        expect(results[i]!.code).toBe(1);
        expect(m.budget!.stoppedBy).toMatch(new RegExp(`^budgets\\.daily ${cap.toString().replace('.', '\\.')} USD: the farm spent or holds [\\d.]+ today`));
        const rejects = await readJsonl<{ reason: string; error: string }>(join(outs[i]!, 'rejects.jsonl'));
        expect(rejects.length).toBe(Object.values(m.datasets).reduce((n, d) => n + d.rejected, 0));
        for (const r of rejects) expect(r).toMatchObject({ reason: 'budget_exceeded', error: expect.stringContaining('budgets.daily') });
      }
    }
    const runs = (await Promise.all(outs.map(batchCosts))).flat().reduce((n, x) => n + x, 0);
    const day = await dailySpend(farm.redis, farm.keys);
    // The day's ledger is exactly what the runs spent (reservations all settled or given back).
    expect(day - before).toBeCloseTo(runs, 6);
    // Two coordinators, each past the cap by at most one batch.
    expect(day).toBeLessThanOrEqual(cap + 2 * Math.max(...perBatch));
    expect(day).toBeGreaterThan(cap - 4 * Math.max(...perBatch));
  }, 180_000);
});
