import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsvSource, type FidelityReport } from '@synthfarm/sources';
import { ROOT, stackLines, synthfarm, tempDir } from './support/cli.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from './support/pg-database.js';
import { spawn } from 'node:child_process';

/**
 * The look-alike loop of DESIGN §9 on the messy fixture of jobs/legacy, from a CSV directory and
 * from PostgreSQL: profile → run --scale 10 → compare. Bounds: KS <= 0.05 (numbers, dates),
 * TVD <= 0.05 (categories), null rates within ±0.02, every foreign key of the output valid, and
 * no value of a high-cardinality text column of the source anywhere in the spec or the output.
 */

const LEGACY = join(ROOT, 'jobs/legacy');
/** Columns whose values are private (names, emails, phones, ids, free text). */
const PRIVATE: Record<string, string[]> = {
  customers: ['customer_id', 'contact_name', 'email', 'phone', 'notes'],
  orders: ['ship_note'],
};

let tmp: { dir: string; cleanup: () => Promise<void> };
let db: TestDatabase | undefined;
let privateValues: Set<string>;

beforeAll(async () => {
  tmp = await tempDir('sf-legacy-');
  privateValues = new Set();
  for (const [table, cols] of Object.entries(PRIVATE)) {
    for await (const it of createCsvSource(join(LEGACY, `${table}.csv`)).read()) {
      if (!it.ok) continue;
      for (const c of cols) {
        const v = String(it.values[c] ?? '').trim();
        if (v.length >= 5 && v !== 'NULL') privateValues.add(v);
      }
    }
  }
  expect(privateValues.size).toBeGreaterThan(1000);
}, 60_000);

afterAll(async () => {
  await tmp?.cleanup();
  await db?.drop();
});

async function loop(source: string, name: string): Promise<{ spec: string; outDir: string; report: FidelityReport; profileErr: string }> {
  const specPath = join(tmp.dir, `${name}.yaml`);
  const outDir = join(tmp.dir, `${name}-out`);
  const p = await synthfarm(['profile', source, '--out', specPath]);
  expect(p.stderr + p.stdout).not.toMatch(/^\s{4}at /m);
  expect(p.code, p.stderr).toBe(0);
  const r = await synthfarm(['run', specPath, '--scale', '10', '--offline', '--out', outDir, '--threads', '0']);
  expect(r.code, r.stderr).toBe(0);
  const c = await synthfarm(['compare', source, outDir, '--json']);
  expect(c.code, c.stderr).toBe(0);
  const report = JSON.parse(c.stdout.trim().split('\n').at(-1)!) as FidelityReport;
  return { spec: await readFile(specPath, 'utf8'), outDir, report, profileErr: p.stderr };
}

function checkFidelity(report: FidelityReport): void {
  const byTable = Object.fromEntries(report.tables.map((t) => [t.name, t]));
  expect(byTable.customers!.rows).toEqual({ source: 400, output: 4000 });
  expect(byTable.orders!.rows).toEqual({ source: 1500, output: 15000 });
  for (const t of report.tables) {
    expect(t.missingColumns).toEqual([]);
    for (const c of t.columns) {
      expect(c.nullRate.diff, `${t.name}.${c.name} null rate ${c.nullRate.source} → ${c.nullRate.output}`).toBeLessThanOrEqual(0.02);
      if (c.ks !== undefined) expect(c.ks, `${t.name}.${c.name} KS`).toBeLessThanOrEqual(0.05);
      if (c.tvd !== undefined) expect(c.tvd, `${t.name}.${c.name} TVD`).toBeLessThanOrEqual(0.05);
    }
  }
  // distances were computed where they should be: dates, numbers and categories
  const cols = Object.fromEntries(report.tables.flatMap((t) => t.columns.map((c) => [`${t.name}.${c.name}`, c])));
  for (const k of ['customers.signup', 'customers.credit_limit', 'orders.order_date', 'orders.unit_price', 'orders.total']) expect(cols[k]!.ks, k).toBeDefined();
  for (const k of ['customers.country', 'customers.city', 'orders.status']) expect(cols[k]!.tvd, k).toBeDefined();
  // both correlations of orders.total are reproduced, not only the strongest (a list of partners),
  // and at their strength (the latent r is calibrated to the skewed marginals: 0.65 came out 0.54)
  for (const [a, b] of [['unit_price', 'total'], ['quantity', 'total']]) {
    const corr = byTable.orders!.correlations.find((c) => c.a === a && c.b === b)!;
    expect(corr.source, `${a}~${b}`).toBeGreaterThan(0.5);
    expect(corr.diff, `${a}~${b}: ${corr.source} → ${corr.output}`).toBeLessThanOrEqual(0.06);
  }
  // the foreign key no constraint declares was found, and holds in the output
  expect(report.foreignKeys).toEqual([expect.objectContaining({ table: 'orders', column: 'customer_id', refTable: 'customers', refColumn: 'customer_id', source: 'inferred', checked: 15000, orphans: 0 })]);
}

async function checkNoLeak(spec: string, outDir: string): Promise<void> {
  for (const v of privateValues) expect(spec.includes(v), `source value ${JSON.stringify(v)} copied into the spec`).toBe(false);
  let cells = 0;
  for (const f of (await readdir(outDir)).filter((x) => x.endsWith('.csv'))) {
    for await (const it of createCsvSource(join(outDir, f)).read()) {
      if (!it.ok) continue;
      for (const v of Object.values(it.values)) {
        cells++;
        if (typeof v === 'string' && privateValues.has(v.trim())) expect.fail(`source value ${JSON.stringify(v)} in ${f}`);
      }
    }
  }
  expect(cells).toBeGreaterThan(100_000);
}

describe('legacy look-alike from a CSV directory', () => {
  it('profile → run --scale 10 → compare: fidelity within bounds, FKs valid, no private value copied', async () => {
    const { spec, outDir, report, profileErr } = await loop(LEGACY, 'csv');
    expect(profileErr).toContain('customers.csv] line 139: expected 9 fields, found 10');
    expect(spec).toContain('legacy formats DD/MM/YYYY');
    expect(spec).toMatch(/nulls written as "NULL"/);
    checkFidelity(report);
    await checkNoLeak(spec, outDir);
  }, 120_000);
});

describe('legacy look-alike from PostgreSQL', () => {
  it('profile → run --scale 10 → compare against the database: the same bounds', async () => {
    db = await createTestDatabase();
    const load = await new Promise<{ code: number | null; err: string }>((done) => {
      const child = spawn(process.execPath, [join(LEGACY, 'load-legacy.mjs'), db!.url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d));
      child.on('close', (code) => done({ code, err }));
    });
    expect(load.code, load.err).toBe(0);
    expect(load.err).toContain('line 139');
    const { spec, outDir, report } = await loop(db.url, 'pg');
    expect(spec).toContain('(inferred from the data)');
    checkFidelity(report);
    await checkNoLeak(spec, outDir);
  }, 120_000);
});

describe('unreadable sources: exit 2 naming the source, nothing written', () => {
  it.each([
    ['a missing file', () => ['profile', join(LEGACY, 'nope.csv')], /\[source .*nope\.csv\] cannot be read: no such file/],
    ['a missing database', () => ['profile', PG_ADMIN_URL.replace(/\/[^/]*$/, '/synthfarm_no_such_db')], /\[source:postgres .*synthfarm_no_such_db\] cannot be read: database "synthfarm_no_such_db" does not exist/],
    ['an unknown role', () => ['profile', PG_ADMIN_URL.replace(/\/\/[^@/]*@/, '//synthfarm_nobody:pw@')], /\[source:postgres synthfarm_nobody@.*\] cannot be read: role "synthfarm_nobody" does not exist/],
    ['a server that is not there', () => ['profile', 'postgres://postgres:secret@127.0.0.1:1/legacy'], /\[source:postgres postgres@127\.0\.0\.1:1\/legacy\] cannot be read: connection refused/],
    ['a missing table', () => ['profile', PG_ADMIN_URL, '--tables', 'custmers'], /\[source:postgres .*\] has no table custmers/],
    ['a compare against a missing output', () => ['compare', LEGACY, join(LEGACY, 'no-out')], /no customers\.csv or customers\.jsonl/],
  ])('%s', async (_what, args, message) => {
    const out = join(tmp.dir, `unreadable-${Math.random().toString(36).slice(2)}.yaml`);
    const r = await synthfarm([...args(), ...(args()[0] === 'profile' ? ['--out', out] : [])]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('secret');
    expect(stackLines(r.stderr)).toEqual([]);
    expect((await readdir(tmp.dir)).some((f) => f.startsWith('unreadable-'))).toBe(false);
  });
});
