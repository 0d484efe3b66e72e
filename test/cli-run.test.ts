import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@synthfarm/core';
import type { Manifest } from '@synthfarm/engine';
import { ROOT, synthfarm, tempDir, type CliResult } from './support/cli.js';
import { readCsv, readJsonl, sha256File } from './support/output.js';

/** End to end through the built CLI: what a user running the shipped jobs sees. */

const LOADTEST = 'jobs/loadtest-customers.yaml';
const NIGHTLY = 'jobs/nightly-fixtures.yaml';
/** The orders of the load test at seed 42: the sum of each customer's perParent draw. */
const ORDERS = 28427;

describe('synthfarm run jobs/loadtest-customers.yaml --json', () => {
  let out: { dir: string; cleanup: () => Promise<void> };
  let res: CliResult;
  let manifest: Manifest;

  beforeAll(async () => {
    out = await tempDir();
    res = await synthfarm(['run', LOADTEST, '--out', out.dir, '--json']);
    manifest = JSON.parse(await readFile(join(out.dir, 'manifest.json'), 'utf8')) as Manifest;
  });
  afterAll(async () => {
    await out.cleanup();
  });

  it('exits 0 and the last stdout line is a JSON summary with the written counts', () => {
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const last = res.stdout.trimEnd().split('\n').at(-1)!;
    const summary = JSON.parse(last) as { status: string; outDir: string; datasets: Record<string, { requested: number; written: number; rejected: number }> };
    expect(summary.status).toBe('completed');
    expect(summary.outDir).toBe(out.dir);
    expect(summary.datasets).toEqual({
      customers: { requested: 10000, written: 10000, rejected: 0 },
      orders: { requested: ORDERS, written: ORDERS, rejected: 0 },
    });
  });

  it('writes exactly the data files, rejects and manifest: no temp files left', async () => {
    expect((await readdir(out.dir)).sort()).toEqual(['customers.csv', 'customers.jsonl', 'events.jsonl', 'manifest.json', 'orders.csv', 'orders.jsonl', 'rejects.jsonl', 'report-data.json', 'report.html']);
    expect(await readFile(join(out.dir, 'rejects.jsonl'), 'utf8')).toBe('');
  });

  it('report-data.json counts the emails as written, suffixes from uniqueness collisions included', async () => {
    // The code threads summarize a batch as they make it; the committer then suffixes the emails
    // that collide (44 at seed 42). The report must count what was written, not what was drawn.
    const data = JSON.parse(await readFile(join(out.dir, 'report-data.json'), 'utf8')) as { datasets: Array<{ plan: { columns: Array<{ path: string }> }; summary: { records: number; columns: Array<{ n: number; nulls: number; len?: { min: number; max: number; sum: number } }> } }> };
    const customers = data.datasets[0]!;
    const email = customers.summary.columns[customers.plan.columns.findIndex((c) => c.path === 'email')]!;
    const written = (await readCsv(join(out.dir, 'customers.csv'))).rows.map((r) => r.email!);
    expect(manifest.datasets.customers!.uniqueRedraws).toBeGreaterThan(0);
    expect(customers.summary.records).toBe(10000);
    expect(email.n - email.nulls).toBe(written.length);
    expect(email.len!.sum).toBe(written.reduce((n, e) => n + e.length, 0));
    expect(email.len!.max).toBe(Math.max(...written.map((e) => e.length)));
  });

  it('manifest.json: status, seed, spec hash, counts per dataset with written + rejected = requested', async () => {
    expect(manifest).toMatchObject({ status: 'completed', mode: 'embedded', seed: 42, offline: false });
    expect(manifest.specSha256).toBe(sha256(await readFile(join(ROOT, LOADTEST), 'utf8')));
    expect(manifest.runId).toMatch(/\S/);
    expect(Date.parse(manifest.finishedAt)).toBeGreaterThanOrEqual(Date.parse(manifest.startedAt));
    expect(Object.keys(manifest.datasets)).toEqual(['customers', 'orders']);
    expect(manifest.datasets.customers).toMatchObject({ requested: 10000, written: 10000, rejected: 0, refilled: 0 });
    expect(manifest.datasets.orders).toMatchObject({ requested: ORDERS, written: ORDERS, rejected: 0 });
    for (const d of Object.values(manifest.datasets)) expect(d.written + d.rejected).toBe(d.requested);
    expect(manifest.rejects).toMatchObject({ path: 'rejects.jsonl', rows: 0, bytes: 0 });
  });

  it('manifest files: path, format, rows, bytes and sha256 match the files on disk', async () => {
    const listed = Object.entries(manifest.datasets).flatMap(([name, d]) => d.files.map((f) => ({ name, ...f })));
    expect(listed.map((f) => f.path).sort()).toEqual(['customers.csv', 'customers.jsonl', 'orders.csv', 'orders.jsonl']);
    for (const f of listed) {
      const path = join(out.dir, f.path);
      const bytes = await readFile(path);
      expect(f.bytes, f.path).toBe(bytes.length);
      expect(f.sha256, f.path).toBe(await sha256File(path));
      expect(f.format).toBe(f.path.endsWith('.csv') ? 'csv' : 'jsonl');
      const rows = f.format === 'csv' ? (await readCsv(path)).rows.length : (await readJsonl(path)).length;
      expect(rows, f.path).toBe(manifest.datasets[f.name]!.requested);
      expect(f.rows, f.path).toBe(rows);
    }
  });

  it('the data is what the spec asks for: unique emails, orders point at real customers', async () => {
    const customers = await readJsonl(join(out.dir, 'customers.jsonl'));
    const orders = await readJsonl(join(out.dir, 'orders.jsonl'));
    expect(customers.map((c) => c.id)).toEqual(Array.from({ length: 10000 }, (_, i) => i + 1));
    expect(new Set(customers.map((c) => c.email)).size).toBe(10000);
    // Names carry apostrophes, spaces and accents (O'Hara, Mary Ann, José); emails must not.
    expect(customers.map((c) => c.email as string).filter((e) => !/^[a-z0-9._-]+@example\.com$/.test(e))).toEqual([]);
    const ids = new Set(customers.map((c) => c.id));
    expect(orders.filter((o) => !ids.has(o.customerId))).toEqual([]);
    // Orders per customer: a fifth have none, the others Poisson(3.5) with 0 left out; contiguous by customer.
    const perCustomer = new Map<unknown, number>();
    for (const o of orders) perCustomer.set(o.customerId, (perCustomer.get(o.customerId) ?? 0) + 1);
    expect(Math.abs(1 - perCustomer.size / 10000 - 0.2)).toBeLessThan(0.017);
    expect(orders.findIndex((o, i) => i > 0 && (o.customerId as number) < (orders[i - 1]!.customerId as number))).toBe(-1);
    // Placed after the customer signed up, in Berlin time, busiest on Monday mornings.
    const signedUp = new Map(customers.map((c) => [c.id, Date.parse(c.signedUp as string)]));
    expect(orders.filter((o) => Date.parse(o.placedAt as string) < signedUp.get(o.customerId)!)).toEqual([]);
    expect(orders.filter((o) => !/T\d{2}:\d{2}:\d{2}\+0[12]:00$/.test(o.placedAt as string))).toEqual([]);
    const slots = new Map<string, number>();
    for (const o of orders) {
      const at = o.placedAt as string;
      const slot = `${new Date(`${at.slice(0, 10)}T00:00:00Z`).getUTCDay()}:${at.slice(11, 13)}`;
      slots.set(slot, (slots.get(slot) ?? 0) + 1);
    }
    expect([...slots].sort((a, b) => b[1] - a[1])[0]![0]).toBe('1:09');
    const header = (await readCsv(join(out.dir, 'customers.csv'))).header;
    expect(header).toEqual(['id', 'firstName', 'lastName', 'email', 'age', 'revenue', 'tier', 'signedUp', 'churned', 'address.city', 'address.country', 'tags', 'nickname']);
  });
});

describe('validate, plan, --help', () => {
  it.concurrent.for([
    [LOADTEST, `${LOADTEST}: valid (2 datasets, ${10000 + ORDERS} records, seed 42)\n`],
    [NIGHTLY, `${NIGHTLY}: valid (3 datasets, 2800 records, seed 20261122)\n`],
  ] as const)('validate %s', async ([job, line], { expect }) => {
    const res = await synthfarm(['validate', job]);
    expect(res).toEqual({ code: 0, stdout: line, stderr: '' });
  });

  it.concurrent('plan jobs/loadtest-customers.yaml: batches and fields by kind', async ({ expect }) => {
    const res = await synthfarm(['plan', LOADTEST]);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe(`seed 42: ${10000 + ORDERS} records in 49 batches`);
    expect(lines).toContain('  customers: 10000 records, 20 batches of 500');
    expect(lines).toContain(`  orders: ${ORDERS} records, 29 batches of 1000`);
    expect(lines.some((l) => /^\s+faker\s+firstName, lastName, address\.city, address\.country, nickname$/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+ref\s+customerId$/.test(l))).toBe(true);
  });

  it.concurrent('plan jobs/nightly-fixtures.yaml', async ({ expect }) => {
    const res = await synthfarm(['plan', NIGHTLY]);
    expect(res.code).toBe(0);
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe('seed 20261122: 2800 records in 12 batches');
    expect(lines).toContain('  accounts: 200 records, 1 batches of 250');
    expect(lines).toContain('  invoices: 2000 records, 8 batches of 250');
  });

  it.concurrent.for([
    [LOADTEST, { totalRecords: 10000 + ORDERS, totalBatches: 49, seed: 42 }, ['customers', 'orders']],
    [NIGHTLY, { totalRecords: 2800, totalBatches: 12, seed: 20261122 }, ['accounts', 'projects', 'invoices']],
  ] as const)('plan --json %s', async ([job, totals, names], { expect }) => {
    const res = await synthfarm(['plan', job, '--json']);
    expect(res.code).toBe(0);
    expect(res.stdout.trimEnd().split('\n')).toHaveLength(1);
    const plan = JSON.parse(res.stdout) as { totalRecords: number; totalBatches: number; seed: number; datasets: Array<{ name: string; count: number; batches: number; columns: string[] }> };
    expect(plan).toMatchObject(totals);
    expect(plan.datasets.map((d) => d.name)).toEqual(names);
    expect(plan.datasets.reduce((n, d) => n + d.count, 0)).toBe(totals.totalRecords);
    expect(plan.datasets.reduce((n, d) => n + d.batches, 0)).toBe(totals.totalBatches);
    if (job === LOADTEST) expect(plan.datasets[0]!.columns).toContain('address.city');
  });

  it.concurrent('plan --count overrides a one-dataset spec; the spec file is not changed', async ({ expect }) => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = join(dir, 'people.yaml');
      const text = 'name: people\ncount: 10\nbatchSize: 4\nfields:\n  id: { kind: sequence }\n';
      await writeFile(file, text);
      const res = await synthfarm(['plan', file, '--count', '1000', '--batch-size', '300', '--json']);
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ totalRecords: 1000, totalBatches: 4, datasets: [{ name: 'people', count: 1000, batchSize: 300, batches: 4 }] });
      expect(await readFile(file, 'utf8')).toBe(text);
    } finally {
      await cleanup();
    }
  });

  it.concurrent('--help exits 0 and lists the commands', async ({ expect }) => {
    const res = await synthfarm(['--help']);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/^Usage: synthfarm /);
    for (const cmd of ['run', 'validate', 'plan', 'sim']) expect(res.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });
});
