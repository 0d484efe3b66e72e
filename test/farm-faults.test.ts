import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { modelQueue } from '@synthfarm/farm';
import { tempDir } from './support/cli.js';
import { embeddedReference, farmCases, spawnWorker, waitFor } from './support/farm-harness.js';

/**
 * DESIGN §6, worker faults: SIGKILLed workers, stalled (hung) jobs, a worker stopped with SIGTERM
 * — the run still finishes with every record exactly once. Each case runs the same spec on
 * fault-free but slow simulated hosts (so the run lasts seconds and the fault lands mid-batch),
 * breaks one worker, and ends with output byte-identical to a clean embedded run.
 * (The coordinator and Redis faults are in farm-recovery.test.ts.)
 */

const CUSTOMERS = 1000;
const ORDERS = 800;
/** Output tokens per second per slot of the slow hosts: a 25-record call takes about a second. */
const SLOW_TPS = 1500;
/** Short batch locks so a dead or hung worker's batches move on within seconds, not 30 s. */
const LOCK = ['--lock-ms', '2500'];

let tmp: { dir: string; cleanup: () => Promise<void> };
let embedded: Record<string, string>;
const cases = farmCases({ get root() { return tmp.dir; }, get specPath() { return specPath; }, customers: CUSTOMERS, orders: ORDERS, embedded: () => embedded });
let specPath: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-faults-');
  ({ specPath, hashes: embedded } = await embeddedReference(tmp.dir, { customers: CUSTOMERS, orders: ORDERS }));
  expect(Object.keys(embedded)).toEqual(['customers.csv', 'customers.jsonl', 'decisions.jsonl', 'orders.csv', 'orders.jsonl', 'rejects.jsonl']);
});
afterEach(() => cases.teardown());
afterAll(() => tmp?.cleanup());

describe('farm worker faults: every record exactly once, the embedded bytes', () => {
  it('a worker SIGKILLed mid-batch: the other worker retries its batches once their locks lapse', async () => {
    const c = await cases.setup({ defaultTps: SLOW_TPS });
    const [w1] = await cases.workers(c, LOCK);
    const { coordinator, runId } = await cases.startRun(c);
    await cases.doneAtLeast(c, runId, 100);
    await waitFor(() => c.sims[0]!.sim.stats().active > 0, { what: 'gpu1 to be generating' });
    w1!.kill('SIGKILL');
    expect((await w1!.exited).signal).toBe('SIGKILL');

    await cases.expectRunExit(coordinator);
    await cases.expectExactOutput(c, runId);
    expect((await cases.summary(c, runId)).hosts.gpu2!.records).toBeGreaterThan(0);
  });

  it('a batch whose workers are SIGKILLed twice in a row is retried again, not dropped or left hanging', async () => {
    // gpu1 is too slow to finish anything, so its workers die holding the batches; gpu2 finishes.
    const c = await cases.setup({ tps: [20, 20_000], defaultTps: SLOW_TPS });
    const q = new Queue(modelQueue('gemma3:4b'), { connection: { url: c.redis.url }, prefix: c.farm.keys.prefix });
    try {
      const slow = { redisUrl: c.redis.url, host: { name: 'gpu1', url: c.sims[0]!.url }, slots: 20, extraArgs: [...LOCK, '--no-schedules'] };
      const w1 = await spawnWorker(slow);
      const { coordinator, runId } = await cases.startRun(c);
      await waitFor(() => c.sims[0]!.sim.stats().active > 0, { what: 'gpu1 to be generating' });
      // w1 holds ceil(20 slots / 2 calls) + 1 = 11 of the 20 customer batches (batch-sizing.ts)
      // before it dies: the coordinator hands a first window out in chunks (1, 2, 4, ...), and a
      // w1 killed at its first call would leave more fresh batches waiting than w2 holds, so w2
      // would never take one back.
      await waitFor(async () => (await q.getActive()).length >= 11, { what: 'the first worker to hold its batches' });
      w1.kill('SIGKILL');
      const w2 = await spawnWorker(slow);
      // w2 has taken back batches w1 died holding (a worker holds ceil(slots / calls) + 1 batches
      // of a run, batch-sizing.ts, so not necessarily all of them): killing it stalls those twice.
      await waitFor(async () => {
        const active = await q.getActive();
        return active.some((j) => j.stalledCounter >= 1);
      }, { what: 'the second worker to take the stalled batches' });
      w2.kill('SIGKILL');
      await spawnWorker({ redisUrl: c.redis.url, host: { name: 'gpu2', url: c.sims[1]!.url }, extraArgs: [...LOCK, '--no-schedules'] });

      await cases.expectRunExit(coordinator);
      await cases.expectExactOutput(c, runId);
      expect(await q.getFailedCount()).toBe(0);
    } finally {
      await q.close();
    }
  });

  it('a hung worker (SIGSTOP): its batches are taken by the other worker after the lock lapses; woken later, it duplicates nothing', async () => {
    const c = await cases.setup({ defaultTps: SLOW_TPS });
    const [w1] = await cases.workers(c, LOCK);
    const { coordinator, runId } = await cases.startRun(c);
    await cases.doneAtLeast(c, runId, 100);
    await waitFor(() => c.sims[0]!.sim.stats().active > 0, { what: 'gpu1 to be generating' });
    w1!.kill('SIGSTOP');
    // Commits are in record order: every customer committed means gpu1's held batches were redone elsewhere.
    await cases.doneAtLeast(c, runId, CUSTOMERS, 45_000);
    w1!.kill('SIGCONT');

    await cases.expectRunExit(coordinator);
    await cases.expectExactOutput(c, runId);
    expect(w1!.hasExited()).toBe(false);
  });

  it('a worker SIGTERMed mid-batch exits within its drain bound; its batches are handed back and the run completes', async () => {
    // gpu1 is so slow that its batches cannot finish within the drain time.
    const c = await cases.setup({ tps: [20, SLOW_TPS], defaultTps: SLOW_TPS });
    const [w1] = await cases.workers(c, [...LOCK, '--drain-ms', '300']);
    const { coordinator, runId } = await cases.startRun(c);
    await waitFor(() => c.sims[0]!.sim.stats().active > 0, { what: 'gpu1 to be generating' });
    w1!.kill('SIGTERM');
    // A call on gpu1 takes half a minute; the worker must not wait for it (300 ms drain, then hand back).
    const exit = await Promise.race([w1!.exited, new Promise<'still running'>((res) => setTimeout(() => res('still running'), 8_000))]);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(c.sims[0]!.sim.stats().completed).toBe(0);

    await cases.expectRunExit(coordinator);
    await cases.expectExactOutput(c, runId);
  });
});
