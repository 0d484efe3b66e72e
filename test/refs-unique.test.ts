import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UniqueExhaustedError } from '@synthfarm/core';
import { runEmbedded, type Manifest } from '@synthfarm/engine';
import { parseSpecText } from '@synthfarm/spec';
import { tempDir } from './support/cli.js';
import { readJsonl } from './support/output.js';

/**
 * Cross-batch rules, checked on the files a run writes: `ref` values exist in the referenced
 * dataset's output, and `unique` holds over the whole dataset, not just within a batch.
 * Worker threads are on, so refs travel to them as shared columns.
 */
const NAMES = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
const SPEC = `
seed: 11
datasets:
  - name: customers
    count: 3000
    batchSize: 100
    fields:
      id:    { kind: sequence, start: 1000, step: 3 }
      first: { kind: choice, values: [${NAMES.join(', ')}] }
      email: { kind: template, template: "{{first}}@Example.com", lower: true, unique: true }
      slot:  { kind: uniform, min: 1, max: 3600, integer: true, unique: true }
      code:  { kind: uuid, nullRate: 0.2 }
  - name: orders
    count: 5000
    batchSize: 250
    fields:
      customerId: { kind: ref, dataset: customers, field: id }
      email:      { kind: ref, dataset: customers, field: email }
      code:       { kind: ref, dataset: customers, field: code }
`;

describe('refs and unique over a whole run', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let manifest: Manifest;
  let customers: Record<string, unknown>[];
  let orders: Record<string, unknown>[];

  beforeAll(async () => {
    tmp = await tempDir('synthfarm-refs-');
    const loaded = parseSpecText(SPEC, 'refs.yaml', { env: {}, overrides: { outDir: tmp.dir } });
    manifest = await runEmbedded({ loaded, threads: 2 });
    customers = await readJsonl(join(tmp.dir, 'customers.jsonl'));
    orders = await readJsonl(join(tmp.dir, 'orders.jsonl'));
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  it('writes everything requested', () => {
    expect(manifest.status).toBe('completed');
    expect([customers.length, orders.length]).toEqual([3000, 5000]);
  });

  it('every ref value exists in the referenced output; refs spread over it', () => {
    const ids = new Set(customers.map((c) => c.id));
    const emails = new Set(customers.map((c) => c.email));
    expect(orders.filter((o) => !ids.has(o.customerId))).toEqual([]);
    expect(orders.filter((o) => !emails.has(o.email))).toEqual([]);
    // 5,000 picks from 3,000 customers: about 3000·(1 − e^(−5/3)) ≈ 2,430 distinct.
    expect(new Set(orders.map((o) => o.customerId)).size).toBeGreaterThan(2200);
  });

  it('a ref never points at a null: it picks among written values only', () => {
    const codes = new Set(customers.map((c) => c.code).filter((c) => c !== null));
    expect(customers.length - codes.size).toBeGreaterThan(400);
    expect(orders.filter((o) => o.code === null || !codes.has(o.code))).toEqual([]);
  });

  it('a unique integer in a tight range is distinct across all 30 batches', () => {
    const slots = customers.map((c) => c.slot as number);
    expect(new Set(slots).size).toBe(3000);
    expect(slots.every((s) => Number.isInteger(s) && s >= 1 && s <= 3600)).toBe(true);
  });

  it('a unique template gets suffixes: the k-th ann is ann{k}@example.com', () => {
    const emails = customers.map((c) => c.email as string);
    expect(new Set(emails).size).toBe(3000);
    const seen = new Map<string, number>();
    customers.forEach((c, i) => {
      const k = (seen.get(c.first as string) ?? 0) + 1;
      seen.set(c.first as string, k);
      expect(c.email, `record ${i}`).toBe(`${String(c.first)}${k === 1 ? '' : k}@example.com`);
    });
    expect(manifest.datasets.customers!.uniqueRedraws).toBeGreaterThan(2900);
  });
});

describe('a unique field that runs out of values', () => {
  it('fails the run with UniqueExhaustedError; the manifest says failed; no partial files', async () => {
    const tmp = await tempDir('synthfarm-exhaust-');
    try {
      const text = 'name: flags\ncount: 20\nbatchSize: 5\nfields:\n  flag: { kind: faker, method: datatype.boolean, unique: true }\n';
      const loaded = parseSpecText(text, 'flags.yaml', { env: {}, overrides: { outDir: tmp.dir } });
      const err: unknown = await runEmbedded({ loaded, threads: 0 }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UniqueExhaustedError);
      expect((err as Error).message).toMatch(/^datasets\[0\]\.fields\.flag\.unique: ran out of distinct values at record 2 of 'flags'/);
      // Its manifest and its report (no data) are published; no data file, whole or partial.
      expect((await readdir(tmp.dir)).sort()).toEqual(['manifest.json', 'report-data.json', 'report.html']);
    } finally {
      await tmp.cleanup();
    }
  });
});
