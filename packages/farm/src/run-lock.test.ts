import { hostname } from 'node:os';
/**
 * The coordinator lock is renewed and released only by its owner (compare-and-set): a
 * coordinator that stalled past the TTL, and whose run another coordinator took meanwhile, must
 * not extend or delete the new holder's lock (two coordinators would then append the same run).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisHandle } from '../../../test/support/redis-server.js';
import { farmKeys } from './keys.js';
import { RunLock, runLockHolder, runLockKey } from './run-lock.js';

let server: RedisHandle;
let redis: Redis;
const keys = farmKeys('{t}');
beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('RunLock', () => {
  it('one holder at a time; the holder renews and releases it', async () => {
    const key = runLockKey(keys, 'r1');
    const a = new RunLock(redis, key, 5000);
    const b = new RunLock(redis, key, 5000);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(await runLockHolder(redis, keys, 'r1')).toBe(process.pid);
    expect(await a.renew()).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(4000);
    expect(await a.release()).toBe(true);
    expect(await redis.exists(key)).toBe(0);
    expect(await b.tryAcquire()).toBe(true);
  });

  it('a holder whose lock lapsed and was taken cannot renew or release the new holder\'s lock', async () => {
    const key = runLockKey(keys, 'r2');
    const stale = new RunLock(redis, key, 150);
    expect(await stale.tryAcquire()).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const fresh = new RunLock(redis, key, 5000);
    expect(await fresh.tryAcquire()).toBe(true);

    expect(await stale.renew()).toBe(false);
    expect(stale.isLost).toBe(true);
    expect(await redis.get(key)).toBe(fresh.token);
    expect(await redis.pttl(key)).toBeGreaterThan(4000);
    expect(await stale.release()).toBe(false);
    expect(await redis.get(key)).toBe(fresh.token);
  });

  it('acquire() waits for a dead holder\'s lock to lapse, and names a live holder when it gives up', async () => {
    const key = runLockKey(keys, 'r3');
    await redis.set(key, '4242:someone', 'PX', 200);
    const waiter = new RunLock(redis, key, 5000);
    await waiter.acquire('r3', { waitMs: 2000 });
    expect(await redis.get(key)).toBe(waiter.token);
    const late = new RunLock(redis, key, 5000);
    // A live holder on this machine is named at once: pid@host, without waiting for its lock.
    await expect(late.acquire('r3', { waitMs: 100 })).rejects.toThrow(`run r3 is still running (coordinator ${process.pid}@${hostname()} holds the lock); nothing changed`);
  });
});
