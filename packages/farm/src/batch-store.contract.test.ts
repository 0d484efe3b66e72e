/**
 * The contract every BatchStore passes (STYLE §3): the in-process store and the Redis store
 * behave the same for what the aggregator relies on — idempotent put/delete (delivery is
 * at-least-once), isolated runs, and a wait() that wakes on a put and otherwise times out.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisHandle } from '../../../test/support/redis-server.js';
import { packLines, type BatchOutput } from '@synthfarm/engine';
import type { BatchStore } from './batch-store.js';
import { farmKeys } from './keys.js';
import { createMemoryBatchStore } from './memory-batch-store.js';
import { createRedisBatchStore } from './redis-batch-store.js';

let redis: RedisHandle;
const clients: Redis[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis?.stop();
});

function connect(): Redis {
  const c = new Redis(redis.url, { maxRetriesPerRequest: null });
  clients.push(c);
  return c;
}

interface Impl {
  name: string;
  create: () => BatchStore;
}

const impls: Impl[] = [
  { name: 'memory', create: () => createMemoryBatchStore() },
  // A fresh prefix per store: no test sees another's keys.
  { name: 'redis', create: () => createRedisBatchStore(connect(), connect(), farmKeys(`{t-${randomUUID()}}`)) },
];

/** A batch as a worker leaves it: encoded lines, rejects, ref values, accounting. */
function output(tag: string, rows = 2): BatchOutput {
  return {
    count: rows + 1,
    lines: { csv: packLines([...Array.from({ length: rows }, (_, i) => `${tag}-${i},"x, y"\n`), '']), jsonl: packLines([...Array.from({ length: rows }, (_, i) => JSON.stringify({ id: `${tag}-${i}`, s: 'é ✓' }) + '\n'), '']) },
    dropped: [rows],
    keys: Float64Array.from([1, NaN, 3]),
    rejects: [{ dataset: 'customers', index: 7, reason: 'invalid_record', error: 'email: must be unique' }],
    refValues: [[1, 2], ['a', null]],
    routing: [],
    host: 'gpu1',
    busyMs: 12.5,
    backends: { fast: { calls: 1, failures: 0, retries: 0, cacheHits: 0, tokensIn: 10, tokensOut: 20, cost: 0.0001 } },
  };
}

const run = () => `run-${randomUUID()}`;
const sleep = (ms: number) => new Promise<'slept'>((r) => setTimeout(() => r('slept'), ms));

describe.each(impls)('BatchStore contract: $name', ({ create }) => {
  it('get returns what put stored, and undefined for a batch never put', async () => {
    const store = create();
    const r = run();
    await store.put(r, 0, 3, output('a'));
    expect(await store.get(r, 0, 3)).toEqual(output('a'));
    expect(await store.get(r, 0, 4)).toBeUndefined();
    expect(await store.get(r, 1, 3)).toBeUndefined();
  });

  it('put is idempotent: a batch delivered twice is stored once, as the same value', async () => {
    const store = create();
    const r = run();
    await store.put(r, 0, 0, output('a'));
    await store.put(r, 0, 0, output('a'));
    expect(await store.get(r, 0, 0)).toEqual(output('a'));
    await store.delete(r, 0, 0);
    expect(await store.get(r, 0, 0)).toBeUndefined();
  });

  it('delete is idempotent, and deleting a batch never put is not an error', async () => {
    const store = create();
    const r = run();
    await store.put(r, 2, 1, output('a'));
    await store.delete(r, 2, 1);
    await store.delete(r, 2, 1);
    await store.delete(r, 9, 9);
    expect(await store.get(r, 2, 1)).toBeUndefined();
  });

  it('runs, datasets and batches are separate keys', async () => {
    const store = create();
    const [r1, r2] = [run(), run()];
    await store.put(r1, 0, 0, output('r1'));
    await store.put(r2, 0, 0, output('r2'));
    await store.put(r1, 1, 0, output('r1d1'));
    expect((await store.get(r1, 0, 0))?.lines.csv?.text).toContain('r1-0');
    expect((await store.get(r2, 0, 0))?.lines.csv?.text).toContain('r2-0');
    expect((await store.get(r1, 1, 0))?.lines.csv?.text).toContain('r1d1-0');
    await store.delete(r1, 0, 0);
    expect(await store.get(r2, 0, 0)).toBeDefined();
  });

  it('a value read back is a copy: changing it does not change the stored batch', async () => {
    const store = create();
    const r = run();
    const put = output('a');
    await store.put(r, 0, 0, put);
    put.count = 99;
    const got = (await store.get(r, 0, 0))!;
    got.rejects.length = 0;
    expect(await store.get(r, 0, 0)).toEqual(output('a'));
  });

  it('wait() wakes when a batch of the run is put', async () => {
    const store = create();
    const r = run();
    // A long timeout: only the put can end the wait before the race's 10 s.
    const woke = store.wait(r, 60_000).then(() => 'woke' as const);
    await sleep(100);
    await store.put(r, 0, 0, output('a'));
    expect(await Promise.race([woke, sleep(10_000)])).toBe('woke');
  });

  it('wait() resolves after its timeout when nothing is put', async () => {
    const store = create();
    const waited = store.wait(run(), 200).then(() => 'timed out' as const);
    expect(await Promise.race([waited, sleep(10_000)])).toBe('timed out');
  });

  it('wait() is not woken by a put to another run', async () => {
    const store = create();
    const r = run();
    let resolved = false;
    const waited = store.wait(r, 1_000).then(() => (resolved = true));
    await sleep(50);
    await store.put(run(), 0, 0, output('other'));
    await sleep(300);
    expect(resolved).toBe(false);
    await waited;
    expect(resolved).toBe(true);
  });
});
