import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { tempDir } from './support/cli.js';
import { executorContract } from './support/executor-contract.js';
import { embeddedReference, farmCases, lastJson, runCli, waitFor, type FarmCase } from './support/farm-harness.js';

/** The BullMQ executor (farm mode) under the executor contract: real workers, Redis and coordinator processes. */

const CUSTOMERS = 400;
const ORDERS = 300;
const TPS = 800;
const LOCK = ['--lock-ms', '2000'];

let tmp: { dir: string; cleanup: () => Promise<void> };
let specPath: string;
let reference: Record<string, string>;
const cases = farmCases({ get root() { return tmp.dir; }, get specPath() { return specPath; }, customers: CUSTOMERS, orders: ORDERS, embedded: () => reference });

beforeAll(async () => {
  tmp = await tempDir('synthfarm-contract-farm-');
  ({ specPath, hashes: reference } = await embeddedReference(tmp.dir, { customers: CUSTOMERS, orders: ORDERS }));
});
afterAll(() => tmp?.cleanup());

/** The case's run goes to the case's own directory. */
async function setup(out: string, tps = TPS): Promise<FarmCase> {
  const c = await cases.setup({ defaultTps: tps });
  c.out = out;
  return c;
}

executorContract('bullmq (farm workers)', {
  out: (name) => join(tmp.dir, name),
  customers: CUSTOMERS,
  orders: ORDERS,
  reference: () => reference,
  teardown: () => cases.teardown(),
  timeoutMs: 45_000,
  executor: () => ({
    async run(out) {
      // Nothing is interrupted here: fast hosts.
      const c = await setup(out, 1e5);
      await cases.workers(c, LOCK);
      const { coordinator } = await cases.startRun(c);
      await cases.expectRunExit(coordinator);
    },
    async runKillingAWorker(out) {
      const c = await setup(out);
      const [w1] = await cases.workers(c, LOCK);
      const { coordinator, runId } = await cases.startRun(c);
      await cases.doneAtLeast(c, runId, 50);
      // gpu1 holds batches now: killed with them, they are retried on gpu2 once their lock lapses.
      await waitFor(() => c.sims[0]!.sim.stats().active > 0, { what: 'gpu1 to be generating' });
      w1!.kill('SIGKILL');
      expect((await w1!.exited).signal).toBe('SIGKILL');
      await cases.expectRunExit(coordinator);
      expect((await cases.summary(c, runId)).done).toBe(CUSTOMERS + ORDERS);
    },
    async runStoppedThenFinished(out) {
      const c = await setup(out);
      await cases.workers(c, LOCK);
      const { coordinator, runId } = await cases.startRun(c);
      await cases.doneAtLeast(c, runId, 50);
      coordinator.kill('SIGKILL');
      await coordinator.exited;
      expect((await cases.summary(c, runId)).done).toBeLessThan(CUSTOMERS + ORDERS);
      const res = await runCli(['resume', runId, '--redis', c.redis.url, '--json']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(lastJson(res.stdout)).toMatchObject({ runId, status: 'completed' });
    },
  }),
});
