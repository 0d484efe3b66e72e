import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisHandle } from './support/redis-server.js';

const started: RedisHandle[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

async function start(opts: Parameters<typeof startRedis>[0] = {}): Promise<RedisHandle> {
  const r = await startRedis(opts);
  started.push(r);
  return r;
}

function connect(r: RedisHandle): Redis {
  const c = new Redis(r.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

describe('startRedis', () => {
  it('starts a private loopback server with the asked settings, never on 6379', async () => {
    const r = await start();
    expect(r.port).not.toBe(6379);
    expect(r.url).toBe(`redis://127.0.0.1:${r.port}`);
    const c = connect(r);
    expect(await c.ping()).toBe('PONG');
    expect(await c.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await c.config('GET', 'save')).toEqual(['save', '']);
    expect(await c.config('GET', 'dir')).toEqual(['dir', r.dir]);
    expect(await r.info('persistence')).toMatch(/aof_enabled:0/);
  });

  it('restart with appendonly keeps the data; stop removes the dir', async () => {
    const r = await start({ appendonly: true, maxmemoryPolicy: 'allkeys-lru' });
    expect(await r.info('persistence')).toMatch(/aof_enabled:1/);
    const c = connect(r);
    expect(await c.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    await c.set('survivor', 'yes');
    c.disconnect();

    await r.restart();
    const c2 = connect(r);
    expect(await c2.get('survivor')).toBe('yes');
    c2.disconnect();

    await r.stop();
    started.splice(started.indexOf(r), 1);
    expect(existsSync(r.dir)).toBe(false);
  });

  it('kill is a crash: the port stops answering; with appendfsync always, restart recovers every write', async () => {
    const r = await start({ appendonly: true, appendfsync: 'always' });
    const c = connect(r);
    await c.set('k', 'v');
    c.disconnect();

    await r.kill();
    const probe = new Redis(r.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();

    await r.restart();
    expect(await connect(r).get('k')).toBe('v');
  });

  it('says how to install redis-server when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedis()).rejects.toThrow('apt-get install redis-server');
    } finally {
      process.env.PATH = path;
    }
  });
});
