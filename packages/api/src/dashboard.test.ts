import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FarmService } from '@synthfarm/farm';
import { startRedis, type RedisHandle } from '../../../test/support/redis-server.js';
import { UI_SESSION_COOKIE } from './auth.js';
import { createServer } from './create-server.js';

const TOKEN = 'dash-token-0123456789';

let redis: RedisHandle;
let queues: Queue[];
let app: FastifyInstance;

beforeAll(async () => {
  redis = await startRedis();
  const connection = { host: '127.0.0.1', port: redis.port };
  // A fresh prefix per run: names never collide with another test's queues.
  const prefix = `sf-api-test-${process.pid}`;
  queues = [new Queue('batches', { connection, prefix }), new Queue('results', { connection, prefix })];
  await queues[0]!.add('batch', { runId: 'r1', index: 0 });
  const service: FarmService = {
    submit: async () => ({ runId: 'x' }),
    listRuns: async () => [],
    getRun: async () => undefined,
    subscribe: () => () => {},
    queues: () => queues,
    queueDepths: async () => ({}),
    close: async () => {},
  };
  app = await createServer({ service, token: TOKEN, outRoot: '/tmp/synthfarm-api-dash' });
});

afterAll(async () => {
  await app?.close();
  await Promise.all((queues ?? []).map((q) => q.close()));
  await redis?.stop();
});

describe('/ui (bull-board)', () => {
  it('401 without a token', async () => {
    const res = await app.inject({ url: '/ui' });
    expect(res.statusCode).toBe(401);
    expect((await app.inject({ url: '/ui/api/queues' })).statusCode).toBe(401);
  });

  it('serves the dashboard HTML with the bearer token', async () => {
    const res = await app.inject({ url: '/ui', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<html/i);
  });

  it('?token= lets a browser in: the session cookie then opens the dashboard API, which lists the queues', async () => {
    const page = await app.inject({ url: `/ui?token=${TOKEN}` });
    expect(page.statusCode).toBe(200);
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${UI_SESSION_COOKIE}=[^;]+; Path=/ui; HttpOnly; SameSite=Strict`));
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;

    const api = await app.inject({ url: '/ui/api/queues', headers: { cookie } });
    expect(api.statusCode).toBe(200);
    const body = api.json<{ queues: { name: string; counts: Record<string, number> }[] }>();
    expect(body.queues.map((q) => q.name).sort()).toEqual(['batches', 'results']);
    expect(body.queues.find((q) => q.name === 'batches')?.counts.waiting).toBe(1);

    // The cookie is the dashboard's only: the API proper still wants the token.
    expect((await app.inject({ url: '/runs', headers: { cookie } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/ui/api/queues', headers: { cookie: `${UI_SESSION_COOKIE}=forged` } })).statusCode).toBe(401);
  });
});
