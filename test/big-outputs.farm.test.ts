import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { tempDir } from './support/cli.js';
import { farmCases, farmSpec, lastJson, runCli, sha256Files, startSim } from './support/farm-harness.js';

/**
 * Big outputs in farm mode (issue #12, item 6): split parts, gzip members and Parquet row groups
 * are byte-identical to the embedded run, and stay so when the coordinator is SIGKILLed mid-run
 * and `synthfarm resume` finishes it (parts renamed, members compressed, row groups written
 * after its last commit point are taken back and written again).
 */

const CUSTOMERS = 1000;
const ORDERS = 800;
const OUTPUT = 'output: { formats: [csv, jsonl, parquet], split: { rows: 240 }, gzip: true, parquet: { rowGroupRows: 100 } }';

let tmp: { dir: string; cleanup: () => Promise<void> };
let specPath: string;
let embedded: Record<string, string>;
const cases = farmCases({ get root() { return tmp.dir; }, get specPath() { return specPath; }, customers: CUSTOMERS, orders: ORDERS, embedded: () => embedded });

beforeAll(async () => {
  tmp = await tempDir('synthfarm-big-outputs-farm-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, farmSpec({ customers: CUSTOMERS, orders: ORDERS }).replace('output: { formats: [csv, jsonl], dir: out }', OUTPUT));
  const { url } = await startSim({ tokensPerSecond: 1e6, slots: 4 });
  const ref = await runCli(['run', specPath, '--out', join(tmp.dir, 'embedded'), '--no-cache', '--json'], { SIM_URL: url });
  expect(ref.stderr).toBe('');
  expect(ref.code).toBe(0);
  embedded = await sha256Files(join(tmp.dir, 'embedded'));
});
afterEach(() => cases.teardown());
afterAll(() => tmp?.cleanup());

describe('big outputs in farm mode', () => {
  it('the coordinator SIGKILLed mid-run, then resumed: the embedded run\'s parts, byte for byte', async () => {
    expect(Object.keys(embedded).filter((n) => n.startsWith('customers.')).sort()).toEqual([1, 2, 3, 4, 5].flatMap((p) => ['csv.gz', 'jsonl.gz', 'parquet'].map((e) => `customers.part-0000${p}.${e}`)).sort());
    const c = await cases.setup({ defaultTps: 1500 });
    await cases.workers(c, ['--lock-ms', '2500']);
    const { coordinator, runId } = await cases.startRun(c);
    // Past the first part of customers (240 records), so a resume starts in a later one.
    await cases.doneAtLeast(c, runId, 300);
    coordinator.kill('SIGKILL');
    await coordinator.exited;
    expect((await cases.summary(c, runId)).done).toBeLessThan(CUSTOMERS + ORDERS);

    const res = await runCli(['resume', runId, '--redis', c.redis.url, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ runId, status: 'completed', datasets: { customers: { written: CUSTOMERS }, orders: { written: ORDERS } } });
    expect(await sha256Files(c.out)).toEqual(embedded);
    const manifest = JSON.parse(await readFile(join(c.out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.datasets.customers!.files.filter((f) => f.format === 'parquet').map((f) => f.rows)).toEqual([240, 240, 240, 240, 40]);
    for (const f of manifest.datasets.customers!.files) expect(f.sha256).toBe(embedded[f.path]);
  });
});
