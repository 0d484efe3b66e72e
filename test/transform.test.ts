import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthfarm } from './support/cli.js';

let dir: string;
const KEY = 'test-pseudonym-key';

const spec = (extra = '') => `
sources:
  legacy: { dir: legacy }
datasets:
  - name: customers
    source: { from: legacy, csv: customers.csv, key: customer_id }
    fields:
      id:      { kind: from, column: customer_id }
      name:    { kind: pseudonym, column: contact_name, method: person.fullName }
      country: { kind: from, column: country, map: { UK: GB, USA: US } }
      joined:  { kind: from, column: signup, parse: { date: ["DD/MM/YYYY", "YYYY-MM-DD"] } }
      label:   { kind: template, template: "{{source.customer_id}}-{{country}}" }
  - name: orders
    source: { from: legacy, csv: orders.csv, key: order_id }
    fields:
      id:       { kind: from, column: order_id }
      customer: { kind: pseudonym, column: contact_name, method: person.fullName }
      amount:   { kind: from, column: amount, parse: { number: { thousands: ".", decimal: "," } } }
output:
  formats: [jsonl]
  dir: out
  lineage: true
${extra}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-transform-'));
  await mkdir(join(dir, 'legacy'));
  await writeFile(join(dir, 'legacy/customers.csv'), [
    'customer_id,contact_name,country,signup',
    'ALFKI,Maria Anders,UK,03/02/2001',
    'BONAP,Laurence Lebihan,USA,2004-07-15',
    'BROKEN,"unterminated,x,y,z,w',
  ].join('\n') + '\n');
  await writeFile(join(dir, 'legacy/orders.csv'), [
    'order_id,contact_name,amount',
    '1,Maria Anders,"1.234,50"',
    '2,Laurence Lebihan,7',
    '3,Maria Anders,12',
    '3,Maria Anders,99',
    '4,Nobody,not-a-number',
  ].join('\n') + '\n');
  await writeFile(join(dir, 'spec.yaml'), spec());
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const jsonl = async (p: string) => (await readFile(join(dir, p), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('transform datasets', () => {
  it('maps, parses and pseudonymises consistently across tables, with rejects and lineage', async () => {
    const r = await synthfarm(['run', 'spec.yaml', '--max-rejects', '10'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: KEY } });
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.code).toBe(0);
    const customers = await jsonl('out/customers.jsonl');
    expect(customers.map((c) => [c.id, c.country, c.joined, c.label])).toEqual([['ALFKI', 'GB', '2001-02-03', 'ALFKI-GB'], ['BONAP', 'US', '2004-07-15', 'BONAP-US']]);
    expect(customers[0]!.name).not.toBe('Maria Anders');
    const orders = await jsonl('out/orders.jsonl');
    expect(orders.map((o) => o.id)).toEqual(['1', '2', '3']);
    expect(orders.map((o) => o.amount)).toEqual([1234.5, 7, 12]);
    // The same legacy name gives the same pseudonym in both tables.
    expect(orders[0]!.customer).toBe(customers[0]!.name);
    expect(orders[2]!.customer).toBe(customers[0]!.name);
    expect(orders[1]!.customer).toBe(customers[1]!.name);
    const rejects = await jsonl('out/rejects.jsonl');
    const malformed = rejects.find((x) => x.dataset === 'customers')!;
    expect(malformed).toMatchObject({ reason: 'malformed_row', source: 'legacy', line: 4 });
    expect(rejects.find((x) => x.reason === 'duplicate_key')).toMatchObject({ dataset: 'orders', sourceKey: '3' });
    const bad = rejects.find((x) => x.reason === 'transform_error')!;
    expect(bad).toMatchObject({ dataset: 'orders', sourceKey: '4' });
    // Privacy: the reject names the key, not the legacy value.
    expect(JSON.stringify(rejects)).not.toContain('not-a-number');
    expect(JSON.stringify(rejects)).not.toContain('Nobody');
    const lineage = await jsonl('out/lineage.jsonl');
    expect(lineage.filter((l) => l.dataset === 'orders').map((l) => l.sourceKey)).toEqual(['1', '2', '3']);
  });

  it('gives the same pseudonyms in another run, and others under another key', async () => {
    const first = (await jsonl('out/customers.jsonl')).map((c) => c.name);
    expect((await synthfarm(['run', 'spec.yaml', '--max-rejects', '10'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: KEY } })).code).toBe(0);
    expect((await jsonl('out/customers.jsonl')).map((c) => c.name)).toEqual(first);
    expect((await synthfarm(['run', 'spec.yaml', '--max-rejects', '10'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: 'another' } })).code).toBe(0);
    expect((await jsonl('out/customers.jsonl')).map((c) => c.name)).not.toEqual(first);
  });

  it('refuses a missing pseudonym key, and an unreadable source, with exit 2 before writing', async () => {
    const noKey = await synthfarm(['run', 'spec.yaml', '--out', 'out-nokey'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('SYNTHFARM_PSEUDONYM_KEY');
    await writeFile(join(dir, 'missing.yaml'), spec().replace('orders.csv', 'nope.csv').replace('dir: out', 'dir: out-missing'));
    const missing = await synthfarm(['run', 'missing.yaml'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: KEY } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');
    expect(missing.stderr).not.toMatch(/at .*\.js:\d+/);
    await expect(readFile(join(dir, 'out-missing/customers.jsonl'))).rejects.toThrow();
  });

  it('onDuplicate: first keeps the first row of a key, last the last one', async () => {
    for (const [mode, amount] of [['first', 12], ['last', 99]] as const) {
      await writeFile(join(dir, `${mode}.yaml`), spec().replace('key: order_id }', `key: order_id, onDuplicate: ${mode} }`).replace('dir: out', `dir: out-${mode}`));
      const r = await synthfarm(['run', `${mode}.yaml`, '--max-rejects', '10'], { cwd: dir, env: { SYNTHFARM_PSEUDONYM_KEY: KEY } });
      expect(r.code).toBe(0);
      const orders = await jsonl(`out-${mode}/orders.jsonl`);
      expect(orders.filter((o) => o.id === '3').map((o) => o.amount)).toEqual([amount]);
      const rejects = await jsonl(`out-${mode}/rejects.jsonl`);
      expect(rejects.filter((x) => x.sourceKey === '3')).toEqual([expect.objectContaining({ reason: mode === 'first' ? 'duplicate_skipped' : 'duplicate_superseded', index: mode === 'first' ? 3 : 2 })]);
    }
  });
});
