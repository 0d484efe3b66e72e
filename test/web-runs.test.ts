import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '@synthfarm/api';
import { connectFarm, createFarmService, createFarmWorker, type FarmConnection, type FarmService, type FarmWorker } from '@synthfarm/farm';
import { launchChromium } from './support/chromium.js';
import { ROOT, tempDir } from './support/cli.js';
import { killAll, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * The runs pages of `synthfarm serve` in Debian's Chromium, in front of a real farm (private
 * Redis, an in-process worker, the simulated Ollama host): sign in, watch a run to its end without
 * reloading, open its report or manifest, download a file, cancel another run; no session →
 * sign-in; a cross-origin POST with the cookie is refused; nothing is requested from any host but
 * this one. Screenshots go to test-artifacts/ (git-ignored) for a person to look at.
 */

const TOKEN = 'browser-token-0123456789abcdef';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const LAPTOP = { width: 1366, height: 768 };

function spec(count: number): object {
  return {
    version: 1,
    seed: 11,
    datasets: [{
      name: 'people', count, batchSize: 50, recordsPerCall: 25,
      fields: { id: { kind: 'sequence', start: 1 }, bio: { kind: 'llm', prompt: 'one sentence about person {{id}}', maxLength: 80 } },
    }],
    stages: { generate: { backend: 'fast' } },
    backends: { fast: { provider: 'ollama', model: 'gemma3:4b', hosts: ['http://127.0.0.1:9'], slots: 2 } },
    output: { formats: ['csv'] },
  };
}

let redis: RedisHandle;
let farm: FarmConnection;
let service: FarmService;
let worker: FarmWorker;
let app: FastifyInstance;
let base: string;
let tmp: { dir: string; cleanup: () => Promise<void> };
let browser: Browser;
let context: BrowserContext;
/** Every URL any page of the signed-in context asked for. */
const requested: string[] = [];
/** Console errors (a CSP violation is one) of our pages. */
const consoleErrors: string[] = [];

async function submit(count: number, out: string): Promise<string> {
  const res = await fetch(`${base}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ spec: spec(count), out }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { runId: string }).runId;
}

async function newPage(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  page.on('console', (m) => {
    // A wrong token answers the sign-in form with 401 on purpose; Chromium logs that status.
    if (m.type() !== 'error' || (new URL(page.url()).pathname === '/signin' && m.text().includes('status of 401'))) return;
    consoleErrors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

beforeAll(async () => {
  tmp = await tempDir('synthfarm-web-runs-');
  await mkdir(ARTIFACTS, { recursive: true });
  redis = await startRedis();
  farm = await connectFarm(redis.url);
  const { url } = await startSim({ slots: 2, tokensPerSecond: 300 });
  worker = await createFarmWorker({ redisUrl: redis.url, host: { name: 'gpu1', url }, slots: 2 });
  service = createFarmService(farm);
  app = await createServer({ service, outRoot: tmp.dir, token: TOKEN });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: LAPTOP, acceptDownloads: true });
  context.on('request', (r) => void requested.push(r.url()));
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await service?.close();
  await worker?.close();
  await farm?.close();
  await killAll();
  await redis?.stop();
  await tmp?.cleanup();
});

describe('runs pages in Chromium', () => {
  it('without a session cookie every page redirects to sign-in', async () => {
    const fresh = await browser.newContext();
    try {
      const page = await fresh.newPage();
      for (const path of ['/', '/run/whatever', '/ui']) {
        await page.goto(`${base}${path}`);
        expect(new URL(page.url()).pathname).toBe('/signin');
        expect(new URL(page.url()).searchParams.get('next')).toBe(path);
        await expect(page.locator('input[name="token"]').count()).resolves.toBe(1);
      }
    } finally {
      await fresh.close();
    }
  });

  let runA = '';

  it('signs in and watches a run progress live to completion, without reloading', async () => {
    runA = await submit(400, 'live-run');
    const page = await newPage(context);
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.fill('input[name="token"]', 'wrong-token');
    await page.click('button[type="submit"]');
    await expect(page.locator('.error').textContent()).resolves.toContain('not the API token');
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/');
    const cookie = (await context.cookies(base)).find((c) => c.name === 'synthfarm_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(TOKEN);

    const row = page.locator(`tr[data-run="${runA}"]`);
    await row.waitFor();
    // Watch the row's bar from inside the page: every value it shows, and a marker a reload would lose.
    await page.evaluate((id) => {
      const w = window as unknown as { seen: number[]; stayed: boolean };
      w.seen = [];
      w.stayed = true;
      const bar = document.querySelector(`tr[data-run="${id}"] progress`) as HTMLProgressElement;
      new MutationObserver(() => w.seen.push(bar.value)).observe(bar, { attributes: true });
    }, runA);
    await page.screenshot({ path: join(ARTIFACTS, 'runs-page-live.png') });
    await row.locator('[data-f="state"]', { hasText: 'completed' }).waitFor({ timeout: 90_000 });
    const { seen, stayed } = await page.evaluate(() => window as unknown as { seen: number[]; stayed: boolean }).then(async () =>
      page.evaluate(() => ({ seen: (window as unknown as { seen: number[] }).seen, stayed: (window as unknown as { stayed: boolean }).stayed })),
    );
    expect(stayed).toBe(true);
    const between = seen.filter((v) => v > 0 && v < 400);
    expect(between.length, `bar values seen: ${seen.join(',')}`).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(400);
    await expect(row.locator('[data-f="progress"]').textContent()).resolves.toBe('400 / 400 · 100%');
    await expect(row.locator('[data-f="written"]').textContent()).resolves.toBe('400');
    await page.screenshot({ path: join(ARTIFACTS, 'runs-page.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('opens the finished run: its report (or manifest) and a file download', async () => {
    const page = await newPage(context);
    await page.goto(`${base}/`);
    await page.click(`tr[data-run="${runA}"] td.run a`);
    expect(new URL(page.url()).pathname).toBe(`/run/${runA}`);
    await expect(page.locator('.run-head [data-f="state"]').textContent()).resolves.toBe('completed');

    const files = await page.locator('.files td code').allTextContents();
    expect(files).toEqual(expect.arrayContaining(['manifest.json', 'people.csv']));
    const manifest = JSON.parse(await readFile(join(tmp.dir, 'live-run', 'manifest.json'), 'utf8')) as { status: string; datasets: { people: { written: number } } };
    await expect(page.locator('[data-f="manifest-status"]').textContent()).resolves.toBe(manifest.status);
    await expect(page.locator('.manifest table.datasets td').nth(2).textContent()).resolves.toBe(String(manifest.datasets.people.written));
    // Every run writes its report: drawn in a sandboxed frame from the run's own file, with the
    // manifest's figures and, for a farm run, its throughput and slot use per host over time.
    expect(files).toContain('report.html');
    const frame = page.frameLocator('.report iframe');
    await frame.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 20_000 });
    await expect(frame.locator('[data-k="written"]').textContent()).resolves.toBe(String(manifest.datasets.people.written));
    await expect(frame.locator('[data-k="status"]').textContent()).resolves.toBe(manifest.status);
    for (const plot of ['throughput', 'slots', 'calls-time']) {
      // Observable Plot's marks: the groups it labels, axes and grids left out.
      const marks = frame.locator(`.plot[data-plot="${plot}"] svg g[aria-label]:not([aria-label*="axis"]):not([aria-label*="grid"]):not([aria-label*="rule"]) :is(rect, path, line, circle)`);
      expect(await marks.count(), `${plot} marks`).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'run-page.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[download="people.csv"]')]);
    expect(download.suggestedFilename()).toBe('people.csv');
    const got = await readFile((await download.path())!, 'utf8');
    expect(got).toBe(await readFile(join(tmp.dir, 'live-run', 'people.csv'), 'utf8'));
    expect(got.split(/\r?\n/)[0]).toBe('id,bio');
    await page.close();
  }, 60_000);

  it('cancels another run from its page', async () => {
    const runB = await submit(5000, 'cancel-me');
    const page = await newPage(context);
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${base}/run/${runB}`);
    await page.locator('.run-head[data-state="running"]').waitFor({ timeout: 30_000 });
    await page.click('#cancel');
    await page.locator('.run-head [data-f="state"]', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    // Then the page reloads to show the ended run: no cancel button, its manifest says cancelled.
    await page.locator('#cancel').waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator('[data-f="manifest-status"]', { hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'run-page-cancelled.png'), fullPage: true });
    expect((await service.getRun(runB))?.state).toBe('cancelled');
    await page.close();
  }, 90_000);

  it('shows a run\'s report.html in a sandboxed frame: its inline script runs, it reaches nothing', async () => {
    const dir = join(tmp.dir, 'cancel-me');
    const runB = (await service.listRuns()).find((r) => r.outDir === dir)!.runId;
    // A cancelled run publishes its report too: the page's inline script draws it inside the frame.
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    const page = await newPage(context);
    await page.goto(`${base}/run/${runB}`);
    const frame = page.frameLocator('.report iframe');
    // Drawn by the page's own script: marks inside an svg, or a canvas.
    // (Observable Plot puts a <style> first in each svg: wait for marks, attached, not for any child to show.)
    await frame.locator('svg rect, svg path, svg circle, svg line, canvas').first().waitFor({ state: 'attached' });
    const tab = await page.request.get(`${base}/runs/${runB}/files/report.html`);
    expect(tab.headers()['content-security-policy']).toMatch(/^sandbox allow-scripts/);
    expect(tab.headers()['content-disposition']).toMatch(/^inline;/);
    await page.close();
  }, 60_000);

  it('refuses a cross-origin POST that carries the session cookie', async () => {
    // Another origin on the same host (another port) is the same site: the SameSite=Strict
    // cookie goes along, so only the Origin check stands between it and the API.
    const evil: Server = createHttpServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form id="f" method="post" action="${base}/runs" enctype="text/plain"><input name="x" value="y"></form>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const before = (await service.listRuns()).length;
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const [response] = await Promise.all([page.waitForResponse(`${base}/runs`), page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())]);
      expect((await response.request().allHeaders())['cookie']).toContain('synthfarm_session=');
      expect(response.status()).toBe(403);
      expect(await response.text()).toContain('cross-origin request refused');
      expect((await service.listRuns()).length).toBe(before);
      await page.close();
    } finally {
      await new Promise((r) => evil.close(r));
    }
  }, 30_000);

  it('the queue dashboard at /ui opens with the session and loads nothing from outside', async () => {
    const page = await newPage(context);
    await page.goto(`${base}/ui`);
    expect(new URL(page.url()).pathname).toMatch(/^\/ui/);
    await page.getByText('batches-code').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'queues-page.png') });
    await page.close();
  }, 60_000);

  it('no page asked any host but this server for anything, and none logged an error', () => {
    const hosts = new Set(requested.map((u) => new URL(u).hostname));
    expect([...hosts].filter((h) => h !== '127.0.0.1')).toEqual([]);
    expect(requested.length).toBeGreaterThan(10);
    expect(consoleErrors).toEqual([]);
  });
});
