import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FarmService } from '@synthfarm/farm';
import { startRedis, type RedisHandle } from '../../../test/support/redis-server.js';
import { createServer } from './create-server.js';
import { DASHBOARD_CSP, stripRemoteStylesheets } from './dashboard.js';
import { SESSION_COOKIE } from './session-store.js';

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

  it('a signed-in browser (session cookie) opens the dashboard and its API, which lists the queues', async () => {
    const signIn = await app.inject({ method: 'POST', url: '/signin', payload: `token=${TOKEN}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(signIn.statusCode).toBe(303);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);

    const page = await app.inject({ url: '/ui', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const api = await app.inject({ url: '/ui/api/queues', headers: { cookie } });
    expect(api.statusCode).toBe(200);
    const body = api.json<{ queues: { name: string; counts: Record<string, number> }[] }>();
    expect(body.queues.map((q) => q.name).sort()).toEqual(['batches', 'results']);
    expect(body.queues.find((q) => q.name === 'batches')?.counts.waiting).toBe(1);
    expect((await app.inject({ url: '/ui/api/queues', headers: { cookie: `${SESSION_COOKIE}=forged` } })).statusCode).toBe(401);
  });

  it('a browser without a session is sent to sign in, and returns to /ui after', async () => {
    const res = await app.inject({ url: '/ui', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signin?next=%2Fui');
  });

  it('loads nothing from another host: no Google fonts link, and a CSP of self only', async () => {
    const page = await app.inject({ url: '/ui', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(page.body).not.toMatch(/fonts\.googleapis|https?:\/\//);
    expect(page.body).toContain('static/css/main.');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).not.toMatch(/https?:/);
  });

  it('stripRemoteStylesheets removes only links to another host', () => {
    const html = '<link href="https://fonts.googleapis.com/css2?family=X" rel="stylesheet">\n<link href="static/css/main.css" rel="stylesheet">';
    expect(stripRemoteStylesheets(html)).toBe('<link href="static/css/main.css" rel="stylesheet">');
  });
});
