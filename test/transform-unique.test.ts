import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { synthfarm } from './support/cli.js';

/**
 * A `unique: true` pseudonym whose fake collides is redrawn by the committer, in record order.
 * The redraw must see the record's legacy row: without it the record was rebuilt from nothing
 * and written with every field null (found by bench:migrate on a 30k-row table).
 */
let dir: string;
const ROWS = 400;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-transform-unique-'));
  await mkdir(join(dir, 'legacy'));
  const lines = ['customer_id,contact_name,country'];
  for (let i = 1; i <= ROWS; i++) lines.push(`C${i},Person ${i},${i % 2 ? 'UK' : 'USA'}`);
  await writeFile(join(dir, 'legacy/customers.csv'), lines.join('\n') + '\n');
  // ~3,000 first names for 400 people: collisions are certain, so redraws happen.
  await writeFile(join(dir, 'spec.yaml'), `
sources:
  legacy: { dir: legacy }
datasets:
  - name: customers
    batchSize: 100
    source: { from: legacy, csv: customers.csv, key: customer_id }
    fields:
      id:      { kind: from, column: customer_id }
      first:   { kind: pseudonym, column: contact_name, method: person.firstName, unique: true }
      country: { kind: from, column: country, map: { UK: GB, USA: US } }
output: { formats: [jsonl], dir: out }
`);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('a unique pseudonym that collides is redrawn from its own legacy row: every record keeps its id and fields', async () => {
  const r = await synthfarm(['run', 'spec.yaml'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: 'k' } });
  expect(r.code, r.stderr).toBe(0);
  const rows = (await readFile(join(dir, 'out/customers.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const manifest = JSON.parse(await readFile(join(dir, 'out/manifest.json'), 'utf8')) as { datasets: { customers: { written: number; uniqueRedraws: number } } };
  expect(manifest.datasets.customers.uniqueRedraws).toBeGreaterThan(0);
  expect(rows.map((x) => x.id)).toEqual(Array.from({ length: ROWS }, (_, i) => `C${i + 1}`));
  expect(rows.every((x) => typeof x.first === 'string' && (x.country === 'GB' || x.country === 'US'))).toBe(true);
  expect(new Set(rows.map((x) => x.first)).size).toBe(ROWS);
});
