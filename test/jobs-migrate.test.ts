import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthfarm } from './support/cli.js';
import { PG_ADMIN_URL, createTestDatabase, type TestDatabase } from './support/pg-database.js';

/** jobs/migrate-customers.yaml as the README runs it, into a target database it creates itself. */
let db: TestDatabase;
let target: string;
const out = join(tmpdir(), `sf-jobs-migrate-${process.pid}`);

beforeAll(async () => {
  db = await createTestDatabase();
  target = `${db.name}_target`;
});
afterAll(async () => {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`).finally(() => c.end());
  await db?.drop();
  await rm(out, { recursive: true, force: true });
});

describe('jobs/migrate-customers.yaml', () => {
  it('moves the legacy fixture into a new database: pseudonyms join, the malformed line is a reject', async () => {
    const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${target}`);
    const r = await synthfarm(['run', 'jobs/migrate-customers.yaml', '--max-rejects', '10', '--out', out], { env: { SYNTHFARM_PSEUDONYM_KEY: 'readme-key', TARGET_DB: url } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rejects = (await readFile(join(out, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rejects).toEqual([expect.objectContaining({ dataset: 'customers', reason: 'malformed_row', source: 'legacy', line: 139 })]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const orders = Number((await c.query('SELECT count(*) AS n FROM orders')).rows[0].n);
      const joined = Number((await c.query('SELECT count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer')).rows[0].n);
      expect(orders).toBe(1500);
      expect(joined).toBe(orders);
      const legacy = await readFile('jobs/legacy/customers.csv', 'latin1');
      const names = (await c.query('SELECT name FROM customers')).rows.map((x: { name: string }) => x.name);
      expect(names.filter((n) => legacy.includes(n))).toEqual([]);
    } finally {
      await c.end();
    }
  });
});
