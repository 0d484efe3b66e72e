import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthfarm, tempDir } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/pg-database.js';

/**
 * Fixtures straight into a test database (DESIGN §9, issue #12 item 16): `output.postgres` on a
 * generated spec (no `source:`), not only on transform datasets. Tables come from the spec with
 * types, a primary key and foreign keys; `mode: replace` truncates and loads, so a nightly run
 * leaves exactly `count` rows however often it fires.
 */

let db: TestDatabase;
let tmp: { dir: string; cleanup: () => Promise<void> };

const spec = (url: string, mode: string) => `
seed: 7
datasets:
  - name: customers
    count: 120
    batchSize: 50
    fields:
      id:      { kind: sequence, start: 1 }
      first:   { kind: faker, method: person.firstName, hidden: true }
      email:   { kind: template, template: "{{first}}.{{id}}@example.test", lower: true }
      token:   { kind: uuid }
      since:   { kind: date, from: 2020-01-01, to: 2025-12-31 }
      premium: { kind: bool, p: 0.3 }
      profile: { kind: object, fields: { city: { kind: faker, method: location.city } } }
  - name: orders
    count: 300
    batchSize: 50
    fields:
      id:         { kind: sequence, start: 1000 }
      customerId: { kind: ref, dataset: customers, field: id }
      total:      { kind: uniform, min: 5, max: 500, round: 2 }
      items:      { kind: poisson, lambda: 3 }
output:
  formats: [csv]
  postgres: { url: "${url}", mode: ${mode} }
`;

async function query<T>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

const count = async (table: string) => Number((await query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = await tempDir('synthfarm-pg-fixtures-');
});
afterAll(async () => {
  await db?.drop();
  await tmp?.cleanup();
});

describe('output.postgres on a generated spec', () => {
  it('creates typed tables with a primary key and a valid foreign key, and loads every row', async () => {
    await writeFile(join(tmp.dir, 'fixtures.yaml'), spec(db.url, 'replace'));
    const r = await synthfarm(['run', 'fixtures.yaml', '--out', 'first', '--json'], { cwd: tmp.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect([await count('customers'), await count('orders')]).toEqual([120, 300]);

    // Types follow the fields; the hidden helper is no column; a ref takes its parent's type.
    const cols = await query<{ table_name: string; column_name: string; data_type: string }>(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('customers', 'orders') ORDER BY table_name, ordinal_position",
    );
    expect(cols.map((c) => `${c.table_name}.${c.column_name}:${c.data_type}`)).toEqual([
      'customers.id:bigint', 'customers.email:text', 'customers.token:uuid', 'customers.since:date', 'customers.premium:boolean', 'customers.profile:jsonb',
      'orders.id:bigint', 'orders.customerId:bigint', 'orders.total:double precision', 'orders.items:bigint',
    ]);
    const keys = await query<{ def: string; rel: string }>("SELECT conrelid::regclass::text AS rel, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype IN ('p', 'f') ORDER BY rel, def");
    expect(keys).toEqual(expect.arrayContaining([
      { rel: 'customers', def: 'PRIMARY KEY (id)' },
      { rel: 'orders', def: 'PRIMARY KEY (id)' },
      { rel: 'orders', def: expect.stringMatching(/^FOREIGN KEY \("customerId"\) REFERENCES customers\(id\)/) },
    ]));
    // Every order's customer exists (the constraint holds, checked here from the data too).
    const [orphans] = await query<{ n: string }>('SELECT count(*) AS n FROM orders o LEFT JOIN customers c ON c.id = o."customerId" WHERE c.id IS NULL');
    expect(Number(orphans!.n)).toBe(0);
    const [one] = await query<{ email: string; city: string }>("SELECT email, profile->>'city' AS city FROM customers WHERE id = 1");
    expect(one!.email).toMatch(/^[^@]+\.1@example\.test$/);
    expect(one!.city).toBeTruthy();
  });

  it('a second firing with mode replace leaves exactly count rows (truncate and load)', async () => {
    const r = await synthfarm(['run', 'fixtures.yaml', '--out', 'second', '--json'], { cwd: tmp.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect([await count('customers'), await count('orders')]).toEqual([120, 300]);
    // And a third with a smaller count: the old rows are gone, not kept beside the new ones.
    await writeFile(join(tmp.dir, 'fixtures.yaml'), spec(db.url, 'replace').replace('count: 300', 'count: 40'));
    const third = await synthfarm(['run', 'fixtures.yaml', '--out', 'third', '--json'], { cwd: tmp.dir });
    expect(third.code).toBe(0);
    expect([await count('customers'), await count('orders')]).toEqual([120, 40]);
  });
});
