// The model-field examples in jobs/ run as the README says: against `synthfarm sim` standing in for
// Ollama, and with --offline (no model at all), where hinted fields get values of their kind.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimServer, type SimServer } from '@synthfarm/sim';
import { synthfarm } from './support/cli.js';

let sim: SimServer;
let simUrl: string;
let root: string;

beforeAll(async () => {
  sim = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7 });
  simUrl = (await sim.listen(0)).url;
  root = await mkdtemp(join(tmpdir(), 'synthfarm-jobs-llm-'));
});

afterAll(async () => {
  await sim.close();
  await rm(root, { recursive: true, force: true });
});

const jsonl = async (file: string): Promise<Record<string, any>[]> =>
  (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

describe('jobs/ with llm fields', () => {
  it('support-tickets.yaml runs against the sim: every ticket written, summaries within 120 characters, moods from the list', async () => {
    const out = join(root, 'tickets');
    const r = await synthfarm(['run', 'jobs/support-tickets.yaml', '--out', out, '--json'], { env: { OLLAMA_HOST: simUrl } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = await jsonl(join(out, 'tickets.jsonl'));
    expect(rows).toHaveLength(500);
    for (const t of rows) {
      expect(typeof t.summary).toBe('string');
      expect(t.summary.length).toBeGreaterThan(0);
      expect(t.summary.length).toBeLessThanOrEqual(120);
      expect(['happy', 'neutral', 'grumpy']).toContain(t.mood);
    }
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.datasets.tickets).toMatchObject({ written: 500, rejected: 0 });
  });

  it('products-shape.yaml runs against the sim: nested objects and arrays come back whole', async () => {
    const out = join(root, 'products');
    const r = await synthfarm(['run', 'jobs/products-shape.yaml', '--out', out], { env: { OLLAMA_HOST: simUrl } });
    expect(r.code, r.stderr).toBe(0);
    const rows = await jsonl(join(out, 'products.jsonl'));
    expect(rows).toHaveLength(200);
    for (const p of rows) {
      expect(['toys', 'books', 'food']).toContain(p.category);
      expect(typeof p.price).toBe('number');
      expect(Array.isArray(p.tags) && p.tags.length).toBeGreaterThan(0);
      expect(Object.keys(p.maker).sort()).toEqual(['city', 'company', 'email']);
    }
  });

  it('--offline fills hinted shape fields with values of their kind, not filler text', async () => {
    const out = join(root, 'products-offline');
    const r = await synthfarm(['run', 'jobs/products-shape.yaml', '--out', out, '--offline']);
    expect(r.code, r.stderr).toBe(0);
    const rows = await jsonl(join(out, 'products.jsonl'));
    expect(rows).toHaveLength(200);
    for (const p of rows) {
      // Lorem filler is a sentence of ~10 words ending in a period; a city or a company name is not.
      expect(p.maker.city).not.toMatch(/\.$/);
      expect(p.maker.city.split(' ').length).toBeLessThanOrEqual(4);
      expect(p.maker.email).toMatch(/^[^@\s]+@example\.(com|net|org)$/);
      expect(p.maker.company).not.toMatch(/\.$/);
    }
    // Different records, different cities: drawn per record, not one constant.
    expect(new Set(rows.map((p) => p.maker.city)).size).toBeGreaterThan(100);
  });
});

describe('a rerun from the response cache', () => {
  it('works with the model host down when every answer is cached, and rejects what it lacks naming the host', async () => {
    const host = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7 });
    const url = (await host.listen(0)).url;
    const cacheDir = join(root, 'cache');
    const first = join(root, 'cached-1');
    const run = (out: string, extra: string[] = []) =>
      synthfarm(['run', 'jobs/support-tickets.yaml', '--count', '200', '--out', out, '--cache-dir', cacheDir, ...extra], { env: { OLLAMA_HOST: url } });
    const r1 = await run(first);
    expect(r1.code, r1.stderr).toBe(0);
    await host.close();

    const second = join(root, 'cached-2');
    const r2 = await synthfarm(['run', 'jobs/support-tickets.yaml', '--count', '200', '--out', second, '--cache-dir', cacheDir], { env: { OLLAMA_HOST: url, SYNTHFARM_LOG_LEVEL: 'warn' } });
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toContain('going on with the response cache');
    expect(await readFile(join(second, 'tickets.csv'), 'utf8')).toBe(await readFile(join(first, 'tickets.csv'), 'utf8'));

    // 300 records: the batches past the first 200 were never answered, so they need the (down)
    // host: they are rejected naming it, and the rejects are over --max-rejects (exit 1).
    const third = join(root, 'cached-3');
    const r3 = await run(third, ['--count', '300']);
    expect(r3.code).toBe(1);
    const manifest = JSON.parse(await readFile(join(third, 'manifest.json'), 'utf8'));
    expect(manifest.datasets.tickets).toMatchObject({ requested: 300, written: 200, rejected: 100 });
    const rejects = (await readFile(join(third, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(rejects.every((r) => r.index >= 200 && r.error.includes(`cannot reach ${url}`))).toBe(true);
  });
});
