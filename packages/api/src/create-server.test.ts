import { get } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@synthfarm/core';
import type { FarmService, RunEvent, RunSummary } from '@synthfarm/farm';
import { parseSpecText } from '@synthfarm/spec';
import { createServer } from './create-server.js';
import type { ServerOptionsInput } from './server-options.js';

const TOKEN = 'test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const VALID_YAML = 'name: customers\ncount: 10\nfields:\n  id: { kind: sequence }\n';
const ZERO_COUNT = { datasets: [{ name: 'customers', count: 0, fields: { id: { kind: 'sequence' } } }] };

function summary(runId: string, over: Partial<RunSummary> = {}): RunSummary {
  return {
    runId, state: 'running', createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:10.000Z',
    outDir: `/out/${runId}`, specSha256: 'ab'.repeat(32), total: 100, done: 40, written: 38, rejected: 2, costUsd: 0, hosts: {}, ...over,
  };
}

/** An in-memory farm: submit validates with the real spec parser, events are driven by the test. */
class FakeFarm implements FarmService {
  runs = new Map<string, RunSummary>();
  submitted: { specText: string; outDir: string; source: string | undefined }[] = [];
  listeners = new Map<string, Set<(e: RunEvent) => void>>();
  unsubscribed = 0;
  depths: Record<string, Record<string, number>> = {};
  failWith: Error | undefined;

  async submit(specText: string, opts: { source?: string; outDir: string }): Promise<{ runId: string }> {
    if (this.failWith) throw this.failWith;
    parseSpecText(specText, opts.source ?? 'http');
    const runId = `run-${this.submitted.length + 1}`;
    this.submitted.push({ specText, outDir: opts.outDir, source: opts.source });
    this.runs.set(runId, summary(runId, { state: 'queued', outDir: opts.outDir, done: 0, written: 0, rejected: 0 }));
    return { runId };
  }
  async listRuns(): Promise<RunSummary[]> {
    return [...this.runs.values()];
  }
  async getRun(runId: string): Promise<RunSummary | undefined> {
    return this.runs.get(runId);
  }
  subscribe(runId: string, onEvent: (e: RunEvent) => void): () => void {
    const set = this.listeners.get(runId) ?? new Set();
    set.add(onEvent);
    this.listeners.set(runId, set);
    return () => {
      if (set.delete(onEvent)) this.unsubscribed++;
    };
  }
  emit(runId: string, e: RunEvent): void {
    for (const l of [...(this.listeners.get(runId) ?? [])]) l(e);
  }
  queues(): ReturnType<FarmService['queues']> {
    return [];
  }
  async queueDepths(): Promise<Record<string, Record<string, number>>> {
    return this.depths;
  }
  async close(): Promise<void> {}
}

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('[api test] condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let outRoot: string;
let farm: FakeFarm;
let app: FastifyInstance;
const apps: FastifyInstance[] = [];

async function build(over: Partial<ServerOptionsInput> = {}): Promise<FastifyInstance> {
  const a = await createServer({ service: farm, token: TOKEN, outRoot, ...over });
  apps.push(a);
  return a;
}

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), 'synthfarm-api-'));
});
afterAll(async () => {
  await rm(outRoot, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('auth', () => {
  beforeAll(() => {
    farm = new FakeFarm();
  });
  it('/healthz is open', async () => {
    app = await build();
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['a wrong scheme', { authorization: `Basic ${TOKEN}` }],
  ])('401 with WWW-Authenticate for %s', async (_name, headers) => {
    app = await build();
    const res = await app.inject({ url: '/runs', headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toHaveProperty('error');
  });

  it('200 with the bearer token; a token in the URL is no credential (it would end up in logs and history)', async () => {
    app = await build();
    expect((await app.inject({ url: '/runs', headers: AUTH })).statusCode).toBe(200);
    expect((await app.inject({ url: `/runs?token=${TOKEN}` })).statusCode).toBe(401);
    expect((await app.inject({ url: `/ui?token=${TOKEN}` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: `/runs?token=${TOKEN}`, payload: { spec: VALID_YAML } })).statusCode).toBe(401);
  });

  it('unknown routes need the token too (no route discovery), then 404', async () => {
    app = await build();
    expect((await app.inject({ url: '/nope' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/nope', headers: AUTH })).statusCode).toBe(404);
  });

  it('insecure without a token serves without auth; neither throws', async () => {
    app = await build({ token: undefined, insecure: true });
    expect((await app.inject({ url: '/runs' })).statusCode).toBe(200);
    await expect(createServer({ service: farm, outRoot })).rejects.toThrow(UsageError);
    await expect(createServer({ service: farm, outRoot: 'relative' , insecure: true })).rejects.toThrow('[api] invalid options: outRoot: must be an absolute path');
  });

  it('never logs the token, from the header or the query', async () => {
    const log = new PassThrough();
    let text = '';
    log.on('data', (b: Buffer) => (text += b.toString()));
    app = await build({ logger: true, logStream: log });
    await app.inject({ url: '/runs', headers: AUTH });
    await app.inject({ url: `/runs?token=${TOKEN}` });
    await app.inject({ url: '/runs', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(text).toContain('/runs?token=[redacted]');
    expect(text).not.toContain(TOKEN);
  });
});

describe('POST /runs', () => {
  beforeAll(() => {
    farm = new FakeFarm();
  });

  it('a JSON body with a spec object → 201 {runId}, out inside the root', async () => {
    app = await build();
    const res = await app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload: { spec: { name: 'c', count: 5, fields: { id: { kind: 'sequence' } } }, out: 'nightly/a' } });
    expect(res.statusCode).toBe(201);
    const { runId } = res.json<{ runId: string }>();
    expect(res.headers.location).toBe(`/runs/${runId}`);
    expect(farm.submitted.at(-1)).toMatchObject({ outDir: join(outRoot, 'nightly/a'), source: 'http' });
    const got = await app.inject({ url: `/runs/${runId}`, headers: AUTH });
    expect(got.json()).toMatchObject({ runId, outDir: join(outRoot, 'nightly/a') });
  });

  it('a raw YAML body with ?out= → 201; without out, <root>/<timestamp>', async () => {
    app = await build();
    const res = await app.inject({ method: 'POST', url: '/runs?out=yaml-run', headers: { ...AUTH, 'content-type': 'application/yaml' }, payload: VALID_YAML });
    expect(res.statusCode).toBe(201);
    expect(farm.submitted.at(-1)).toMatchObject({ specText: VALID_YAML, outDir: join(outRoot, 'yaml-run') });

    const res2 = await app.inject({ method: 'POST', url: '/runs', headers: { ...AUTH, 'content-type': 'text/yaml' }, payload: VALID_YAML });
    expect(res2.statusCode).toBe(201);
    expect(farm.submitted.at(-1)?.outDir).toMatch(new RegExp(`^${outRoot}/\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z`));
  });

  it('an invalid spec → 400 naming the path and the rule', async () => {
    app = await build();
    const res = await app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload: { spec: ZERO_COUNT } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'datasets[0].count: must be > 0', path: 'datasets[0].count' });

    const yaml = await app.inject({ method: 'POST', url: '/runs', headers: { ...AUTH, 'content-type': 'text/yaml' }, payload: 'a: [' });
    expect(yaml.statusCode).toBe(400);
    expect(yaml.json().error).toMatch(/YAML syntax error/);
  });

  it.each([
    [{ out: 'x' }, 'spec: must be a spec object or its YAML/JSON text'],
    [{ spec: 42 }, 'spec: must be a spec object or its YAML/JSON text'],
    [{ spec: VALID_YAML, extra: 1 }, `unknown key 'extra' (expected {"spec": ..., "out": ...})`],
  ])('a malformed body %j → 400 %s', async (payload, error) => {
    app = await build();
    const res = await app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error });
  });

  it.each(['../../etc', '/etc', '..'])('out %j escaping the root → 400, nothing submitted', async (out) => {
    app = await build();
    const before = farm.submitted.length;
    const res = await app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload: { spec: VALID_YAML, out } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: `out: must stay inside ${outRoot}` });
    expect(farm.submitted.length).toBe(before);
  });

  it('a 300-character out → 400 naming out and the limit, nothing submitted', async () => {
    app = await build();
    const before = farm.submitted.length;
    const res = await app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload: { spec: VALID_YAML, out: 'a'.repeat(300) } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: `out: a path component is 300 bytes ('${'a'.repeat(20)}...'); the limit is 255` });
    expect(farm.submitted.length).toBe(before);
  });

  it('other service errors → 500 {error} without a stack', async () => {
    app = await build();
    farm.failWith = new Error('redis down');
    try {
      const res = await app.inject({ method: 'POST', url: '/runs', headers: AUTH, payload: { spec: VALID_YAML } });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: 'redis down' });
    } finally {
      farm.failWith = undefined;
    }
  });
});

describe('GET /runs', () => {
  it('lists runs and 404s an unknown one', async () => {
    farm = new FakeFarm();
    farm.runs.set('r1', summary('r1'));
    app = await build();
    expect((await app.inject({ url: '/runs', headers: AUTH })).json()).toEqual({ runs: [summary('r1')] });
    expect((await app.inject({ url: '/runs/r1', headers: AUTH })).json()).toEqual(summary('r1'));
    const missing = await app.inject({ url: '/runs/zzz', headers: AUTH });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'run zzz not found' });
  });
});

describe('GET /runs/:id/events', () => {
  beforeAll(() => {
    farm = new FakeFarm();
  });

  function parseSse(text: string): { event: string; data: RunSummary }[] {
    return text.split('\n\n').filter((b) => b.startsWith('event:')).map((b) => {
      const [ev, data] = b.split('\n');
      return { event: ev!.slice('event: '.length), data: JSON.parse(data!.slice('data: '.length)) as RunSummary };
    });
  }

  it('streams progress then end, and closes', async () => {
    farm.runs.set('r1', summary('r1', { done: 10 }));
    app = await build();
    const pending = app.inject({ url: '/runs/r1/events', headers: AUTH });
    await waitFor(() => (farm.listeners.get('r1')?.size ?? 0) > 0);
    farm.emit('r1', { type: 'progress', run: summary('r1', { done: 50 }) });
    farm.emit('r1', { type: 'end', run: summary('r1', { state: 'completed', done: 100 }) });
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(parseSse(res.body).map((e) => [e.event, e.data.done])).toEqual([['progress', 10], ['progress', 50], ['end', 100]]);
    expect(farm.listeners.get('r1')?.size).toBe(0);
  });

  it('a finished run answers end at once; an unknown run 404s', async () => {
    farm.runs.set('done', summary('done', { state: 'completed', done: 100 }));
    app = await build();
    const res = await app.inject({ url: '/runs/done/events', headers: AUTH });
    expect(parseSse(res.body).map((e) => e.event)).toEqual(['end']);
    expect((await app.inject({ url: '/runs/nope/events', headers: AUTH })).statusCode).toBe(404);
  });

  it('unsubscribes when the client disconnects (real socket)', async () => {
    farm.runs.set('r2', summary('r2'));
    app = await build();
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const before = farm.unsubscribed;
    await new Promise<void>((resolve, reject) => {
      const req = get(`${url}/runs/r2/events`, { headers: AUTH }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    });
    await waitFor(() => farm.unsubscribed === before + 1);
    expect(farm.listeners.get('r2')?.size).toBe(0);
  });

  it('server close ends open streams', async () => {
    farm.runs.set('r3', summary('r3'));
    const a = await build();
    const url = await a.listen({ port: 0, host: '127.0.0.1' });
    const ended = new Promise<void>((resolve) => {
      get(`${url}/runs/r3/events`, { headers: AUTH }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
    });
    await waitFor(() => (farm.listeners.get('r3')?.size ?? 0) > 0);
    await a.close();
    await ended;
    expect(farm.listeners.get('r3')?.size).toBe(0);
  });
});

describe('GET /metrics', () => {
  it('exposes queue, run and host gauges with the service values, plus process metrics', async () => {
    farm = new FakeFarm();
    farm.depths = { 'synthfarm-batches': { waiting: 7, active: 3, delayed: 0, failed: 1 } };
    farm.runs.set('r1', summary('r1', {
      total: 200, done: 50, written: 45, rejected: 5,
      hosts: {
        gpu1: { records: 30, tokensOut: 6000, busyMs: 2000, recordsPerSec: 12.5, circuit: 'closed' },
        gpu2: { records: 20, tokensOut: 1000, busyMs: 4000, recordsPerSec: 4, circuit: 'open' },
      },
    }));
    farm.runs.set('old', summary('old', { state: 'completed', total: 10, done: 10, written: 10, rejected: 0, hosts: { gpu9: { records: 10, tokensOut: 1, busyMs: 1, recordsPerSec: 1, circuit: 'closed' } } }));
    app = await build();
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const res = await app.inject({ url: '/metrics', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = res.body.split('\n');
    for (const line of [
      'synthfarm_queue_jobs{queue="synthfarm-batches",state="waiting"} 7',
      'synthfarm_queue_jobs{queue="synthfarm-batches",state="failed"} 1',
      'synthfarm_run_progress_ratio{run="r1"} 0.25',
      'synthfarm_run_records{run="r1",outcome="written"} 45',
      'synthfarm_run_records{run="r1",outcome="rejected"} 5',
      'synthfarm_runs{state="running"} 1',
      'synthfarm_runs{state="completed"} 1',
      'synthfarm_host_records_per_second{host="gpu1"} 12.5',
      'synthfarm_host_tokens_per_second{host="gpu1"} 3000',
      'synthfarm_host_tokens_per_second{host="gpu2"} 250',
      'synthfarm_host_circuit_open{host="gpu1"} 0',
      'synthfarm_host_circuit_open{host="gpu2"} 1',
    ]) expect(lines).toContain(line);
    expect(res.body).not.toContain('gpu9');
    // A finished run is counted, never labelled: series do not grow with the run history.
    expect(res.body).not.toContain('run="old"');
    expect(res.body).toMatch(/^process_cpu_user_seconds_total /m);

    // Collected on scrape: a run that is gone disappears, new values show.
    farm.runs.delete('old');
    farm.depths = { 'synthfarm-batches': { waiting: 0 } };
    const again = (await app.inject({ url: '/metrics', headers: AUTH })).body.split('\n');
    expect(again).toContain('synthfarm_queue_jobs{queue="synthfarm-batches",state="waiting"} 0');
    expect(again.some((l) => l.includes('run="old"'))).toBe(false);
  });
});
