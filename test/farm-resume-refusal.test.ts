import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/cli.js';
import { farmCases, farmSpec, runCli, type CliProcess, type FarmCase } from './support/farm-harness.js';

/**
 * `synthfarm resume RUN` only finishes a run whose coordinator died. On a run whose coordinator
 * is alive, or on a finished run, it refuses with one line, exit 2, and changes nothing: not the
 * manifest, not the run's record in Redis.
 */

const CUSTOMERS = 300;
const ORDERS = 200;

let tmp: { dir: string; cleanup: () => Promise<void> };
let specPath: string;
const cases = farmCases({ get root() { return tmp.dir; }, get specPath() { return specPath; }, customers: CUSTOMERS, orders: ORDERS, embedded: () => ({}) });
let c: FarmCase;
let coordinator: CliProcess;
let runId: string;

/** Every Redis hash of the run: its record and its datasets' commit points. */
async function runHashes(): Promise<Record<string, Record<string, string>>> {
  const keys = [c.farm.keys.run(runId), c.farm.keys.dataset(runId, 0), c.farm.keys.dataset(runId, 1), c.farm.keys.hostStates(runId)];
  return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await c.farm.redis.hgetall(k)] as const)));
}

beforeAll(async () => {
  tmp = await tempDir('synthfarm-resume-refusal-');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, farmSpec({ customers: CUSTOMERS, orders: ORDERS }));
  // Slow enough (~10 s) that the refused resume returns long before the run ends, even on a busy machine.
  c = await cases.setup({ hosts: 1, defaultTps: 250 });
  await cases.workers(c, []);
  ({ coordinator, runId } = await cases.startRun(c));
});
afterAll(async () => {
  await cases.teardown();
  await tmp?.cleanup();
});

describe('synthfarm resume refuses and touches nothing', () => {
  it('while the coordinator is alive: exit 2 at once, the run goes on and completes', async () => {
    await cases.doneAtLeast(c, runId, 50);
    const res = await runCli(['resume', runId, '--redis', c.redis.url]);
    expect(res.stderr).toMatch(new RegExp(`^synthfarm: run ${runId} is still running \\(coordinator ${coordinator.pid}@\\S+ holds the lock\\); nothing changed\\n$`));
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    // Refused at once, not after waiting for the live coordinator to let go of the run.
    expect(coordinator.hasExited()).toBe(false);
    const now = await cases.summary(c, runId);
    expect(now.state).toBe('running');
    expect(now.done).toBeLessThan(CUSTOMERS + ORDERS);
    expect(existsSync(join(c.out, 'manifest.json'))).toBe(false);

    await cases.expectRunExit(coordinator);
    expect(await cases.summary(c, runId)).toMatchObject({ state: 'completed', done: CUSTOMERS + ORDERS, written: CUSTOMERS + ORDERS, rejected: 0 });
  }, 90_000);

  it('after it completed: exit 2, manifest bytes and Redis hashes unchanged', async () => {
    expect(coordinator.hasExited()).toBe(true);
    const manifest = await readFile(join(c.out, 'manifest.json'));
    const hashes = await runHashes();
    expect(hashes[c.farm.keys.run(runId)]!.state).toBe('completed');

    const res = await runCli(['resume', runId, '--redis', c.redis.url, '--json']);
    expect(res.stderr).toBe(`synthfarm: run ${runId} already finished with status completed; nothing changed\n`);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(await readFile(join(c.out, 'manifest.json'))).toEqual(manifest);
    expect(JSON.parse(manifest.toString('utf8'))).toMatchObject({ status: 'completed', datasets: { customers: { written: CUSTOMERS }, orders: { written: ORDERS } } });
    expect(await runHashes()).toEqual(hashes);
    expect(await c.farm.redis.exists(`${c.farm.keys.run(runId)}:lock`)).toBe(0);
  }, 30_000);
});
