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
