import { mkdirSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Manifest } from '@synthfarm/engine';
import { ROOT, synthfarm, tempDir } from './support/cli.js';
import { launchChromium } from './support/chromium.js';
import { killAll, startSim } from './support/farm-harness.js';

/**
 * report.html in Debian's Chromium, as a user opens it from disk: it draws with nothing from the
 * network, every plot has marks, and the figures it shows are the manifest's. Screenshots go to
 * test-artifacts/ (gitignored) for a person to look at.
 */

const ARTIFACTS = join(ROOT, 'test-artifacts');

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

async function open(browser: Browser, file: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  // Every request the page makes goes through here: anything but the file itself (and data: URLs) is a failure.
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return { page, errors, requests };
}

/** Marks each plot drew (bars, cells, lines, ticks, dots), axes and grids left out. */
function marksPerPlot(page: Page): Promise<Array<{ name: string; marks: number }>> {
  return page.$$eval('.plot', (plots) =>
    plots.map((p) => {
      const groups = [...p.querySelectorAll('svg g[aria-label]')].filter((g) => !/axis|grid|tick label|rule/.test(g.getAttribute('aria-label') ?? ''));
      const marks = groups.reduce((n, g) => n + g.querySelectorAll('rect, path, line, circle, text').length, 0);
      return { name: (p as HTMLElement).dataset.plot ?? '?', marks };
    }),
  );
}

const text = (page: Page, sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
const int = (s: string) => Number(s.replace(/,/g, ''));

let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await killAll();
});

describe('report.html of jobs/loadtest-customers.yaml', () => {
  let out: { dir: string; cleanup: () => Promise<void> };
  let manifest: Manifest;
  let opened: Opened;

  beforeAll(async () => {
    out = await tempDir();
    const res = await synthfarm(['run', 'jobs/loadtest-customers.yaml', '--out', out.dir, '--json']);
    expect(res.code, res.stderr).toBe(0);
    manifest = JSON.parse(await readFile(join(out.dir, 'manifest.json'), 'utf8')) as Manifest;
    opened = await open(browser, join(out.dir, 'report.html'));
    await opened.page.screenshot({ path: join(ARTIFACTS, 'report-loadtest.png'), fullPage: true });
  }, 120_000);
  afterAll(async () => {
    await opened?.page.close();
    await out?.cleanup();
  });

  it('is listed in the manifest and opens with no console error and no request leaving the page', () => {
    expect(manifest.report).toEqual({ path: 'report.html', data: 'report-data.json' });
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([]);
  });

  it('draws marks in every plot: one card per column of each dataset, plus null rate, uniqueness and correlations', async () => {
    const plots = await marksPerPlot(opened.page);
    expect(plots.filter((p) => p.marks === 0)).toEqual([]);
    const names = plots.map((p) => p.name);
    for (const c of ['age', 'revenue', 'tier', 'signedUp', 'tags', 'email', 'customerId', 'placedAt', 'items', 'total', 'status']) expect(names).toContain(`col-${c}`);
    for (const d of ['customers', 'orders']) expect(names).toEqual(expect.arrayContaining([`nulls-${d}`, `unique-${d}`, `corr-${d}`]));
    expect(await opened.page.$$eval('#ds-customers [data-column]', (e) => e.length)).toBe(13);
    expect(await opened.page.$$eval('#ds-orders [data-column]', (e) => e.length)).toBe(7);
  });

  it("shows the manifest's figures", async () => {
    const { page } = opened;
    const ds = Object.entries(manifest.datasets);
    expect(await text(page, '[data-k="status"]')).toBe(manifest.status);
    expect(int(await text(page, '[data-k="written"]'))).toBe(ds.reduce((n, [, d]) => n + d.written, 0));
    expect(int(await text(page, '[data-k="rejected"]'))).toBe(ds.reduce((n, [, d]) => n + d.rejected, 0));
    expect(int(await text(page, '[data-k="requested"]'))).toBe(ds.reduce((n, [, d]) => n + d.requested, 0));
    for (const [name, d] of ds) {
      expect(int(await text(page, `[data-k="${name}.written"]`))).toBe(d.written);
      expect(int(await text(page, `[data-k="${name}.rejected"]`))).toBe(d.rejected);
    }
    expect(await text(page, '[data-k="totalMs"]')).toBe(`${(manifest.timings.totalMs / 1000).toFixed(2)} s`);
  });

  it('checks every column against its spec, and the shipped job passes them all', async () => {
    const checks = await text(opened.page, '[data-k="checks"]');
    expect(checks).toMatch(/^(\d+) of \1 pass$/);
    expect(int(checks.split(' ')[0]!)).toBeGreaterThanOrEqual(30);
    // The foreign key is checked against the customers actually written.
    expect(await text(opened.page, '[data-column="customerId"] [data-check="references"]')).toContain(`0 of ${manifest.datasets.orders!.written.toLocaleString('en-US')} missing in customers.id`);
  });

  it('prints: the navigation is hidden and a PDF comes out', async () => {
    const { page } = opened;
    await page.emulateMedia({ media: 'print' });
    expect(await page.$eval('nav', (n) => getComputedStyle(n).display)).toBe('none');
    const pdf = join(ARTIFACTS, 'report-loadtest.pdf');
    await page.pdf({ path: pdf, format: 'A4' });
    expect((await stat(pdf)).size).toBeGreaterThan(10_000);
    await page.emulateMedia({ media: 'screen' });
  });

  it('synthfarm report OUTDIR draws the same page again from the files the run left', async () => {
    const before = await readFile(join(out.dir, 'report.html'), 'utf8');
    await writeFile(join(out.dir, 'report.html'), 'stale');
    const res = await synthfarm(['report', out.dir]);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(join(out.dir, 'report.html'), 'utf8')).toBe(before);
  });
});

describe('report.html of a run with model-written fields (simulated Ollama host, malformed answers)', () => {
  let out: { dir: string; cleanup: () => Promise<void> };
  let manifest: Manifest;
  let opened: Opened;

  beforeAll(async () => {
    const { url } = await startSim({ tokensPerSecond: 1e5, promptTokensPerSecond: 1e6, faults: { malformedRate: 0.3 } });
    out = await tempDir();
    const spec = join(out.dir, 'spec.yaml');
    await writeFile(spec, `version: 1
seed: 7
name: people
count: 300
batchSize: 50
fields:
  id: { kind: sequence }
  age: { kind: normal, mean: 40, sd: 10, integer: true, min: 18 }
  mood: { kind: llm, prompt: "the mood of person {{id}}", values: [happy, neutral, grumpy] }
  note: { kind: llm, prompt: "one short note about person {{id}}", maxLength: 60 }
stages:
  generate: { backend: fast, repairAttempts: 0 }
  enrich:
    backend: quality
    sample: 0.2
    audit: true
    fields: { persona: { kind: llm, prompt: "a marketing persona label for person {{id}}", maxLength: 40 } }
backends:
  fast: { provider: ollama, model: "gemma3:4b", hosts: ["${url}"], slots: 2 }
  quality: { provider: openai, model: "qwen2.5:7b", baseUrl: "${url}/v1", costPer1kInput: 0.001, costPer1kOutput: 0.002 }
output: { formats: [jsonl], dir: ${join(out.dir, 'out')} }
`);
    const res = await synthfarm(['run', spec, '--json', '--no-cache']);
    expect([0, 1], res.stderr).toContain(res.code);
    manifest = JSON.parse(await readFile(join(out.dir, 'out', 'manifest.json'), 'utf8')) as Manifest;
    opened = await open(browser, join(out.dir, 'out', 'report.html'));
    await opened.page.screenshot({ path: join(ARTIFACTS, 'report-model.png'), fullPage: true });
  }, 120_000);
  afterAll(async () => {
    await opened?.page.close();
    await out?.cleanup();
  });

  it('opens cleanly and draws the model side: calls, tokens, cost and latency over time, rejects by reason', async () => {
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([]);
    const plots = await marksPerPlot(opened.page);
    expect(plots.filter((p) => p.marks === 0)).toEqual([]);
    expect(plots.map((p) => p.name)).toEqual(expect.arrayContaining(['calls-time', 'tokens-time', 'cost-time', 'latency-time', 'col-mood', 'col-note']));
    const fast = (manifest.backends as Record<string, { calls: number; tokensOut: number }>).fast!;
    expect(fast.calls).toBeGreaterThan(0);
    expect(int(await text(opened.page, '[data-k="backend.fast.calls"]'))).toBe(fast.calls);
    expect(int(await text(opened.page, '[data-k="backend.fast.tokensOut"]'))).toBe(fast.tokensOut);
    expect(int(await text(opened.page, '[data-k="rejected"]'))).toBe(manifest.datasets.people!.rejected);
    // The simulated host answers 30% of calls malformed and the stage repairs none: records are
    // rejected, and the page shows them by reason with examples.
    expect(manifest.datasets.people!.rejected).toBeGreaterThan(0);
    expect(plots.map((p) => p.name)).toContain('rejects');
    expect(await opened.page.$$eval('#rejects table tbody tr', (r) => r.length)).toBeGreaterThan(0);
  });

  it('draws the routing decisions and the spot-check audit, with the manifest\'s figures', async () => {
    const plots = await marksPerPlot(opened.page);
    expect(plots.find((p) => p.name === 'routing')?.marks).toBeGreaterThan(0);
    const audit = manifest.audit as { sampled: number; audited: number; defects: number };
    expect(audit.audited).toBeGreaterThan(0);
    expect(int(await text(opened.page, '[data-k="audit.audited"]'))).toBe(audit.audited);
    expect(int(await text(opened.page, '[data-k="audit.defects"]'))).toBe(audit.defects);
    // The enrich field is written on the stage's 20% sample only: its null-rate target is 80%, met.
    await expect(opened.page.$eval('[data-column="persona"] [data-check="nulls"]', (e) => [e.className, e.textContent])).resolves.toEqual(['ok', expect.stringMatching(/null \(spec 80\.0%\)$/)]);
    const quality = (manifest.backends as Record<string, { calls: number; cost: number }>).quality!;
    expect(quality.calls).toBeGreaterThan(0);
    expect(int(await text(opened.page, '[data-k="backend.quality.calls"]'))).toBe(quality.calls);
    // The run's cost is its backends' (only `quality` is priced), in dollars as the page writes them.
    const cost = Object.values(manifest.backends as Record<string, { cost: number }>).reduce((n, b) => n + b.cost, 0);
    expect(cost).toBeGreaterThan(0);
    expect(await text(opened.page, '[data-k="cost"]')).toBe(`$${cost >= 1 ? cost.toFixed(2) : cost.toFixed(4)}`);
  });
});

describe('report.html of a run that failed', () => {
  let out: { dir: string; cleanup: () => Promise<void> };
  let opened: Opened;

  beforeAll(async () => {
    out = await tempDir();
    const spec = join(out.dir, 'flags.yaml');
    // Two booleans cannot be 20 distinct values: the run fails at its third record.
    await writeFile(spec, `name: flags\ncount: 20\nbatchSize: 5\nfields:\n  flag: { kind: faker, method: datatype.boolean, unique: true }\noutput: { dir: ${join(out.dir, 'out')} }\n`);
    const res = await synthfarm(['run', spec, '--threads', '0']);
    expect(res.code, res.stderr).toBe(2);
    opened = await open(browser, join(out.dir, 'out', 'report.html'));
    await opened.page.screenshot({ path: join(ARTIFACTS, 'report-failed.png'), fullPage: true });
  }, 60_000);
  afterAll(async () => {
    await opened?.page.close();
    await out?.cleanup();
  });

  it('opens cleanly and says why: status, error, counts, and that no data was published', async () => {
    expect(opened.errors).toEqual([]);
    expect(opened.requests).toEqual([]);
    const manifest = JSON.parse(await readFile(join(out.dir, 'out', 'manifest.json'), 'utf8')) as Manifest & { error: { code: string; message: string } };
    await expect(text(opened.page, '[data-k="status"]')).resolves.toBe('failed');
    await expect(text(opened.page, 'header .error')).resolves.toBe(`${manifest.error.code}: ${manifest.error.message}`);
    expect(int(await text(opened.page, '[data-k="requested"]'))).toBe(20);
    expect(int(await text(opened.page, '[data-k="written"]'))).toBe(0);
    await expect(text(opened.page, '[data-k="unpublished"]')).resolves.toContain('published no data');
    expect(await opened.page.$$('.plot[data-plot^="col-"]')).toEqual([]);
  });
});
