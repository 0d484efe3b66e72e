import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/cli.js';
import { embeddedReference, farmCases, lastJson, runCli } from './support/farm-harness.js';

/**
 * DESIGN §6, the farm's own faults: a dead coordinator (producer + aggregator) finished by
 * `synthfarm resume`, and a Redis restarted with AOF under a running farm. Each ends with every
 * record exactly once and output byte-identical to a clean embedded run.
 * (Worker faults are in farm-faults.test.ts.)
 */

const CUSTOMERS = 1000;
const ORDERS = 800;
const TOTAL = CUSTOMERS + ORDERS;
const SLOW_TPS = 1500;
const LOCK = ['--lock-ms', '2500'];

let tmp: { dir: string; cleanup: () => Promise<void> };
let specPath: string;
let embedded: Record<string, string>;
const cases = farmCases({ get root() { return tmp.dir; }, get specPath() { return specPath; }, customers: CUSTOMERS, orders: ORDERS, embedded: () => embedded });

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-recovery-');
  ({ specPath, hashes: embedded } = await embeddedReference(tmp.dir, { customers: CUSTOMERS, orders: ORDERS }));
});
afterEach(() => cases.teardown());
afterAll(() => tmp?.cleanup());

describe('farm recovery: every record exactly once, the embedded bytes', () => {
  it('the coordinator SIGKILLed mid-run: synthfarm resume RUN finishes it', async () => {
    const c = await cases.setup({ defaultTps: SLOW_TPS });
    await cases.workers(c, LOCK);
    const { coordinator, runId } = await cases.startRun(c);
    await cases.doneAtLeast(c, runId, 200);
    coordinator.kill('SIGKILL');
    expect((await coordinator.exited).signal).toBe('SIGKILL');
    const before = await cases.summary(c, runId);
    expect(before.state).toBe('running');
    expect(before.done).toBeLessThan(TOTAL);
    // The dead coordinator left part files, not final files.
    expect(existsSync(join(c.out, 'customers.csv'))).toBe(false);
    expect((await readdir(c.out)).filter((n) => n.endsWith('.part')).length).toBeGreaterThan(0);

    const res = await runCli(['resume', runId, '--redis', c.redis.url, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(lastJson(res.stdout)).toMatchObject({ runId, status: 'completed', datasets: { customers: { written: CUSTOMERS, rejected: 0 }, orders: { written: ORDERS, rejected: 0 } } });
    await cases.expectExactOutput(c, runId);
  });

  it('Redis restarted mid-run (AOF): workers and the coordinator reconnect and finish', async () => {
    const c = await cases.setup({ appendonly: true, defaultTps: SLOW_TPS });
    await cases.workers(c, LOCK);
    const { coordinator, runId } = await cases.startRun(c);
    await cases.doneAtLeast(c, runId, 200);
    await c.redis.restart();
    expect((await cases.summary(c, runId)).done).toBeLessThan(TOTAL);

    await cases.expectRunExit(coordinator);
    await cases.expectExactOutput(c, runId);
  });
});
