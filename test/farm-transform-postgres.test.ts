import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectFarm, type FarmConnection } from '@synthfarm/farm';
import type { Manifest } from '@synthfarm/engine';
import { tempDir } from './support/cli.js';
import { killAll, killRunCoordinators, lastJson, runCli, sha256Files, spawnCli, spawnWorker, startSim, waitFor } from './support/farm-harness.js';
import { createTestDatabase, type TestDatabase } from './support/pg-database.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * DESIGN §9 in farm mode: a transform → PostgreSQL run whose worker is SIGKILLed mid-run (its
 * batches redelivered) and whose coordinator — the process that loads PostgreSQL — is SIGKILLed
 * mid-load and resumed. Each row is loaded exactly once (the ledger), and a source key seen in a
 * batch committed before the resume is still a duplicate after it: the files and the table equal
 * a clean embedded run's.
 */
const ROWS = 600;
/** Keys of batch 0 that appear again in the last batch: duplicates only a memory of batch 0 can catch. */
const DUPLICATES = ['C1', 'C2', 'C3'];
const TOTAL = ROWS + DUPLICATES.length;
const BATCH = 50;
/** Output tokens per second per slot: a 25-record call of this spec takes a couple of seconds, so the kills land mid-run. */
const SLOW_TPS = 120;
const LOCK = ['--lock-ms', '2500'];
const env = { SYNTHFARM_PSEUDONYM_KEY: 'farm-pg-test-key' };

let tmp: { dir: string; cleanup: () => Promise<void> };
const dbs: TestDatabase[] = [];
let redis: RedisHandle | undefined;
let farm: FarmConnection | undefined;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-pg-');
  await mkdir(join(tmp.dir, 'legacy'));
  const rows = ['id,contact_name,notes'];
  for (let i = 0; i < ROWS; i++) rows.push(`C${i},Name ${i % 89},"account ${i}: ${['pays late', 'orders weekly', 'large reseller'][i % 3]}"`);
  for (const k of DUPLICATES) rows.push(`${k},Someone Else,"a second record of ${k}"`);
  await writeFile(join(tmp.dir, 'legacy/customers.csv'), rows.join('\n') + '\n');
  // Embedded mode takes the target's URL; a spec submitted to a farm names an operator's database.
  await writeFile(join(tmp.dir, 'embedded.yaml'), spec('url: "${TARGET_DB}"'));
  await writeFile(join(tmp.dir, 'farm.yaml'), spec('database: target'));
});
const spec = (target: string) => `
sources:
  legacy: { dir: ${join(tmp.dir, 'legacy')} }
datasets:
  - name: customers
    batchSize: ${BATCH}
    recordsPerCall: 25
    source: { from: legacy, csv: customers.csv, key: id }
    fields:
      id:      { kind: from, column: id }
      name:    { kind: pseudonym, column: contact_name, method: person.fullName }
      segment: { kind: llm, prompt: "Classify the customer from the notes: {{source.notes}}", values: [smb, mid, enterprise] }
backends:
  local: { provider: ollama, model: gemma3:4b, hosts: ["\${SIM_URL}"], maxRetries: 1 }
output:
  formats: [csv, jsonl]
  lineage: true
  postgres: { ${target}, mode: insert }
`;
afterEach(async () => {
  await killAll();
  if (farm) await killRunCoordinators(farm);
  await farm?.close();
  farm = undefined;
  await redis?.stop();
  redis = undefined;
});
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
  await tmp?.cleanup();
});

async function table(url: string): Promise<{ ids: string[]; rows: Array<Record<string, unknown>>; ledger: number; synced: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query('SELECT id, name, segment FROM customers ORDER BY id')).rows as Array<Record<string, unknown>>;
    const ledger = Number((await c.query("SELECT count(*) AS n FROM synthfarm_ledger WHERE dataset = 'customers'")).rows[0].n);
    // The note of a run that flushed its loads at its end (commits that did not wait for the disk).
    const synced = Number((await c.query("SELECT count(*) AS n FROM synthfarm_ledger WHERE dataset = '*loaded*'")).rows[0].n);
    return { ids: rows.map((r) => String(r.id)), rows, ledger, synced };
  } finally {
    await c.end();
  }
}

describe('transform → PostgreSQL in farm mode, with a killed worker and a killed coordinator', () => {
  it('loads each row exactly once and remembers committed source keys across the resume', async () => {
    // The reference: one embedded run on a fast host, into its own database.
    const reference = await createTestDatabase();
    dbs.push(reference);
    const fast = await startSim({ tokensPerSecond: 1e6, slots: 4 });
    const embedded = await runCli(['run', join(tmp.dir, 'embedded.yaml'), '--out', join(tmp.dir, 'embedded'), '--max-rejects', '10', '--no-cache'], { ...env, SIM_URL: fast.url, TARGET_DB: reference.url });
    expect(embedded.stderr).toBe('');
    expect(embedded.code).toBe(0);
    const ref = await table(reference.url);
    expect(ref.ids).toHaveLength(ROWS);
    expect(new Set(ref.ids).size).toBe(ROWS);
    expect(ref.synced).toBe(1);

    const target = await createTestDatabase();
    dbs.push(target);
    redis = await startRedis();
    farm = await connectFarm(redis.url);
    const sims = await Promise.all([startSim({ slots: 4, tokensPerSecond: SLOW_TPS }), startSim({ slots: 4, tokensPerSecond: SLOW_TPS })]);
    const workers = await Promise.all(sims.map((s, i) => spawnWorker({ redisUrl: redis!.url, host: { name: `gpu${i + 1}`, url: s.url }, extraArgs: [...LOCK, '--no-schedules'], env })));
    const out = join(tmp.dir, 'farm');
    // The operator names the target database; the submitted spec names it, never its URL.
    const runEnv = { ...env, SIM_URL: 'http://127.0.0.1:9', SYNTHFARM_DATABASES: `target=${target.url}`, SYNTHFARM_DATA_ROOTS: tmp.dir };
    const coordinator = spawnCli(['run', join(tmp.dir, 'farm.yaml'), '--redis', redis.url, '--out', out, '--max-rejects', '10', '--json'], runEnv);
    const runId = await waitFor(async () => {
      if (coordinator.hasExited()) throw new Error(`the coordinator exited before submitting: ${coordinator.stderr()}`);
      return (await farm!.store.list(1))[0]?.runId;
    }, { what: 'the run to be submitted' });
    const done = async (n: number) => waitFor(async () => ((await farm!.store.summary(runId))?.done ?? 0) >= n || undefined, { timeoutMs: 60_000, what: `${n} records committed` });

    // A worker dies holding batches: they are redelivered to the other once their locks lapse.
    await done(BATCH);
    await waitFor(() => sims[0]!.sim.stats().active > 0, { what: 'gpu1 to be generating' });
    workers[0]!.kill('SIGKILL');
    expect((await workers[0]!.exited).signal).toBe('SIGKILL');

    // The coordinator (the loader) dies mid-run, after batch 0's keys were committed.
    await done(3 * BATCH);
    coordinator.kill('SIGKILL');
    expect((await coordinator.exited).signal).toBe('SIGKILL');
    const before = await farm.store.summary(runId);
    expect(before!.done).toBeLessThan(TOTAL);
    expect((await table(target.url)).ids.length).toBeLessThan(ROWS);

    const resumed = await runCli(['resume', runId, '--redis', redis.url, '--json'], runEnv);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(lastJson(resumed.stdout)).toMatchObject({ runId, status: 'completed', datasets: { customers: { requested: TOTAL, written: ROWS, rejected: DUPLICATES.length } } });

    // Each row once, the rows an uninterrupted embedded run loads, one ledger entry per batch.
    const got = await table(target.url);
    expect(got.ids).toHaveLength(ROWS);
    expect(new Set(got.ids).size).toBe(ROWS);
    expect(got.rows).toEqual(ref.rows);
    expect(got.ledger).toBe(Math.ceil(TOTAL / BATCH));
    // A farm run is resumable from its commit points: each load was on disk before its commit.
    expect(got.synced).toBe(0);
    // The duplicates of batch 0's keys, seen by the resumed coordinator, are rejects naming them.
    const rejects = (await readFile(join(out, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rejects.map((r) => [r.reason, r.sourceKey])).toEqual(DUPLICATES.map((k) => ['duplicate_key', k]));
    expect(await sha256Files(out)).toEqual(await sha256Files(join(tmp.dir, 'embedded')));
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ status: 'completed', mode: 'farm' });
  });
});
