import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CancelResult, FarmService, RunSummary } from '@synthfarm/farm';
import { createServer } from './create-server.js';
import { PAGE_CSP } from './html.js';
import { REPORT_CSP } from './routes-files.js';
import { SESSION_COOKIE } from './session-store.js';

/**
 * The browser side of `synthfarm serve` without a browser: sign-in and its cookie, the Origin
 * check on state-changing requests, redirects to sign-in, the pages' escaping and headers, and
 * file downloads confined to the run's directory. (test/web-runs.test.ts drives it in Chromium.)
 */

const TOKEN = 'web-token-0123456789';
const HOST = 'localhost:80';
const SAME = 'http://localhost';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function summary(runId: string, outDir: string, over: Partial<RunSummary> = {}): RunSummary {
  return {
    runId, state: 'running', createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:10.000Z',
    outDir, specSha256: 'ab'.repeat(32), total: 200, done: 50, written: 48, rejected: 2, costUsd: 0.0042, recordsPerSec: 12.5, hosts: {}, ...over,
  };
}

let root: string;
let outside: string;
let app: FastifyInstance;
let insecure: FastifyInstance;
const runs = new Map<string, RunSummary>();
const cancelled: string[] = [];

const service: FarmService = {
  submit: async () => ({ runId: 'new' }),
  listRuns: async () => [...runs.values()],
  getRun: async (id) => runs.get(id),
  subscribe: () => () => undefined,
  cancel: async (id): Promise<CancelResult> => {
    const run = runs.get(id);
    if (!run) return { outcome: 'not_found' };
    cancelled.push(id);
    return { outcome: 'cancelled', run: { ...run, state: 'cancelled' } };
  },
  queues: () => [],
  queueDepths: async () => ({}),
  close: async () => undefined,
};

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'synthfarm-web-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  await mkdir(join(root, 'done'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'not yours\n');
  await writeFile(join(root, 'done', 'people.csv'), 'id,name\n1,Ann\n');
  await writeFile(join(root, 'done', 'naïve "q".csv'), 'x\n');
  await writeFile(join(root, 'done', 'report.html'), '<!doctype html><title>r</title><p>report</p>');
  await writeFile(join(root, 'done', 'manifest.json'), JSON.stringify({ status: 'completed', timings: { totalMs: 4200 }, datasets: { people: { requested: 1, written: 1, rejected: 0 } }, backends: {} }));
  await writeFile(join(root, 'done', '.people.csv.part'), 'staging');
  await symlink(join(outside, 'secret.txt'), join(root, 'done', 'leak.txt'));
  runs.set('r-live', summary('r-live', join(root, 'live')));
  runs.set('r-done', summary('r-done', join(root, 'done'), { state: 'completed', done: 200, written: 200, rejected: 0 }));
  runs.set('r-away', summary('r-away', outside, { state: 'completed' }));
  runs.set('<script>x</script>', summary('<script>x</script>', join(root, '<img src=x onerror=alert(1)>'), { error: '<b>boom</b>' }));
  app = await createServer({ service, token: TOKEN, outRoot: root });
  insecure = await createServer({ service, insecure: true, outRoot: root });
  return () => rm(base, { recursive: true, force: true });
});
afterAll(async () => {
  await app?.close();
  await insecure?.close();
});

async function signIn(headers: Record<string, string> = { origin: SAME }): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/signin', payload: `token=${TOKEN}&next=%2Frun%2Fr-done`, headers: { ...FORM, ...headers } });
  expect(res.statusCode).toBe(303);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

describe('sign-in', () => {
  it('the form page is open, with the strict CSP', async () => {
    const res = await app.inject({ url: '/signin' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form method="post" action="/signin">');
    expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
  });

  it('the right token sets an HTTP-only SameSite=Strict session cookie holding a random id, not the token, and returns to next', async () => {
    const res = await app.inject({ method: 'POST', url: '/signin', payload: `token=${TOKEN}&next=%2Frun%2Fr-done`, headers: { ...FORM, origin: SAME } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/run/r-done');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`));
    expect(setCookie).not.toContain(TOKEN);
    expect(await signIn()).not.toBe(setCookie.split(';')[0]);
  });

  it('a wrong token shows the form again with 401 and sets nothing', async () => {
    const res = await app.inject({ method: 'POST', url: '/signin', payload: 'token=nope', headers: FORM });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('That token is not the API token of this server.');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a sign-in posted from another site is refused', async () => {
    const res = await app.inject({ method: 'POST', url: '/signin', payload: `token=${TOKEN}`, headers: { ...FORM, origin: 'http://evil.example' } });
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it.each([['//evil.example/'], ['https://evil.example/'], ['/\\evil.example'], ['/signin']])('never returns to %s', async (next) => {
    const res = await app.inject({ method: 'POST', url: '/signin', payload: `token=${TOKEN}&next=${encodeURIComponent(next)}`, headers: FORM });
    expect(res.headers.location).toBe('/');
  });

  it('signing out ends the session on the server: the old cookie no longer opens anything', async () => {
    const cookie = await signIn();
    expect((await app.inject({ url: '/runs', headers: { cookie } })).statusCode).toBe(200);
    const out = await app.inject({ method: 'POST', url: '/signout', headers: { cookie, origin: SAME } });
    expect(out.statusCode).toBe(303);
    expect(out.headers['set-cookie']).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    expect((await app.inject({ url: '/runs', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('without a session', () => {
  it.each([['/'], ['/run/r-done'], ['/ui']])('a browser asking for %s is sent to sign in, and back after', async (url) => {
    const res = await app.inject({ url, headers: { accept: 'text/html,*/*;q=0.8' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/signin?next=${encodeURIComponent(url)}`);
  });

  it('an API client or script gets 401, not a redirect', async () => {
    expect((await app.inject({ url: '/' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/runs/r-live/events', headers: { accept: 'text/event-stream' } })).statusCode).toBe(401);
  });
});

describe('Origin check on state-changing requests', () => {
  it('a cookie DELETE from this server\'s page cancels; with another Origin or none it is refused (403)', async () => {
    const cookie = await signIn();
    cancelled.length = 0;
    const cross = await app.inject({ method: 'DELETE', url: '/runs/r-live', headers: { cookie, origin: 'http://evil.example', host: HOST } });
    expect(cross.statusCode).toBe(403);
    expect(cross.json().error).toMatch(/^cross-origin request refused/);
    expect((await app.inject({ method: 'DELETE', url: '/runs/r-live', headers: { cookie } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'DELETE', url: '/runs/r-live', headers: { cookie, origin: 'null' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/runs', payload: { spec: 'x' }, headers: { cookie, origin: 'http://localhost:8080' } })).statusCode).toBe(403);
    expect(cancelled).toEqual([]);
    const same = await app.inject({ method: 'DELETE', url: '/runs/r-live', headers: { cookie, origin: SAME } });
    expect(same.statusCode).toBe(200);
    expect(cancelled).toEqual(['r-live']);
  });

  it('the bearer token stays the API credential: no Origin needed', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/runs/r-live', headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://elsewhere.example' } });
    expect(res.statusCode).toBe(200);
  });

  it('insecure mode (no token) still refuses a cross-origin DELETE', async () => {
    expect((await insecure.inject({ method: 'DELETE', url: '/runs/r-live', headers: { origin: 'http://evil.example' } })).statusCode).toBe(403);
    expect((await insecure.inject({ method: 'DELETE', url: '/runs/r-live', headers: { origin: SAME } })).statusCode).toBe(200);
  });
});

describe('pages', () => {
  it('/ lists the runs with state, progress, rate and cost; escapes what specs and runs named', async () => {
    const cookie = await signIn();
    const res = await app.inject({ url: '/', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('<tr data-run="r-live" data-state="running">');
    expect(res.body).toContain('50 / 200 · 25%');
    expect(res.body).toContain('12.5 rec/s');
    expect(res.body).toContain('$0.0042');
    expect(res.body).not.toContain('<script>x</script>');
    expect(res.body).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(res.body).not.toContain('<img src=x');
    // No inline script or style: the CSP allows neither.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)|<style|\sstyle=/);
  });

  it('a finished run\'s page shows its report, manifest and files (served ones only)', async () => {
    const cookie = await signIn();
    const res = await app.inject({ url: '/run/r-done', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<iframe src="/runs/r-done/files/report.html" title="Run report" sandbox="allow-scripts allow-popups">');
    expect(res.body).toContain('data-f="manifest-status">completed</span>');
    expect(res.body).toContain('href="/runs/r-done/files/people.csv" download="people.csv"');
    expect(res.body).not.toContain('leak.txt');
    expect(res.body).not.toContain('.people.csv.part');
    expect(res.body).not.toContain('id="cancel"');
  });

  it('a run page escapes its error; a running run has a cancel button; an unknown run is a 404 page', async () => {
    const cookie = await signIn();
    const res = await app.inject({ url: `/run/${encodeURIComponent('<script>x</script>')}`, headers: { cookie } });
    expect(res.body).toContain('&lt;b&gt;boom&lt;/b&gt;');
    expect(res.body).toContain('id="cancel"');
    expect((await app.inject({ url: '/run/nope', headers: { cookie } })).statusCode).toBe(404);
  });
});

describe('files', () => {
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('downloads a file as an attachment with its name', async () => {
    const res = await app.inject({ url: '/runs/r-done/files/people.csv', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('id,name\n1,Ann\n');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="people.csv"; filename*=UTF-8\'\'people.csv');
    const odd = await app.inject({ url: `/runs/r-done/files/${encodeURIComponent('naïve "q".csv')}`, headers: auth });
    expect(odd.headers['content-disposition']).toBe('attachment; filename="na_ve _q_.csv"; filename*=UTF-8\'\'na%C3%AFve%20%22q%22.csv');
  });

  it('shows report.html inline, sandboxed, with no network', async () => {
    const res = await app.inject({ url: '/runs/r-done/files/report.html', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^inline;/);
    expect(res.headers['content-security-policy']).toBe(REPORT_CSP);
    expect(REPORT_CSP).toMatch(/^sandbox allow-scripts/);
    expect(REPORT_CSP).toContain("default-src 'none'");
  });

  it.each([
    ['a link out of the directory', 'r-done', 'leak.txt'],
    ['a hidden staging file', 'r-done', '.people.csv.part'],
    ['a path', 'r-done', '..%2F..%2Foutside%2Fsecret.txt'],
    ['a run outside the out root', 'r-away', 'secret.txt'],
    ['a missing file', 'r-done', 'nope.csv'],
  ])('404 for %s', async (_what, run, name) => {
    const res = await app.inject({ url: `/runs/${run}/files/${name}`, headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('not yours');
  });

  it('lists files as JSON; a run outside the out root is 404', async () => {
    const res = await app.inject({ url: '/runs/r-done/files', headers: auth });
    expect(res.json().files.map((f: { name: string }) => f.name)).toEqual(['manifest.json', 'naïve "q".csv', 'people.csv', 'report.html']);
    expect((await app.inject({ url: '/runs/r-away/files', headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ url: '/runs/r-live/files', headers: auth })).json()).toEqual({ files: [] });
  });
});
