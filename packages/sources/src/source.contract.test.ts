import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '@synthfarm/core';
import { createTestDatabase, type TestDatabase } from '../../../test/support/pg-database.js';
import { createCsvSource } from './csv-source.js';
import { createJsonlSource } from './jsonl-source.js';
import { createPostgresSource } from './postgres-source.js';
import type { Source, SourceItem } from './source.js';

/**
 * The contract every Source passes (like unstorage's testDriver): same rows in the same stable
 * order, any range equal to the same slice of a full read, ranges that tile the table read every
 * row exactly once, and an unreadable source is a SourceError naming it.
 */

const N = 1000;
const rows = Array.from({ length: N }, (_, i) => ({ id: i + 1, name: `n${(i * 7919) % 1000}`, note: i % 10 === 0 ? 'a "quoted", multi\nline note' : `plain ${i}` }));

let dir: string;
let db: TestDatabase;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-sources-'));
  const q = (s: string) => (/[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  await writeFile(join(dir, 't.csv'), 'id,name,note\r\n' + rows.map((r) => `${r.id},${r.name},${q(r.note)}`).join('\r\n') + '\r\n');
  await writeFile(join(dir, 't.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  db = await createTestDatabase();
  await db.exec(`CREATE TABLE t (id int PRIMARY KEY, name text, note text);
    INSERT INTO t SELECT * FROM json_populate_recordset(NULL::t, '${JSON.stringify(rows).replace(/'/g, "''")}');
    CREATE TABLE t_nopk AS SELECT * FROM t ORDER BY id;
    CREATE TABLE t_grp (grp int NOT NULL, maybe int, id int PRIMARY KEY, name text, note text);
    INSERT INTO t_grp SELECT id / 10, CASE WHEN id % 7 = 0 THEN NULL ELSE id / 10 END, id, name, note FROM t;`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db?.drop();
});

async function all(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const norm = (items: SourceItem[]) => items.map((x) => (x.ok ? { row: x.row, id: Number(x.values.id), name: x.values.name, note: x.values.note } : x));

const impls: Array<[string, () => Source, () => Source]> = [
  ['csv', () => createCsvSource(join(dir, 't.csv'), { indexEvery: 64 }), () => createCsvSource(join(dir, 'missing.csv'))],
  ['jsonl', () => createJsonlSource(join(dir, 't.jsonl'), { indexEvery: 64 }), () => createJsonlSource(join(dir, 'missing.jsonl'))],
  ['postgres', () => createPostgresSource({ url: db.url, table: 't', fetchSize: 100, indexEvery: 64 }), () => createPostgresSource({ url: db.url, table: 'missing_table' })],
];

describe('PostgreSQL ranges in every order a table can have', () => {
  // A range seeks through the sparse index of order values; these orders must tile like the primary key's.
  it.each([
    ['no primary key: ctid order', { table: 't_nopk' }],
    ['a repeated NOT NULL key, then the primary key', { table: 't_grp', key: 'grp' }],
    ['a key with NULLs (read with OFFSET)', { table: 't_grp', key: 'maybe' }],
  ] as const)('%s', async (_, opts) => {
    const s = createPostgresSource({ url: db.url, fetchSize: 100, indexEvery: 64, ...opts });
    try {
      const full = norm(await all(s.read()));
      expect(full.map((x) => 'id' in x && x.id).sort((a, b) => Number(a) - Number(b))).toEqual(rows.map((r) => r.id));
      for (const [a, b] of [[0, 10], [63, 65], [64, 200], [500, 777], [990, 1000]] as const) expect(norm(await all(s.read({ start: a, end: b }))), `${a}..${b}`).toEqual(full.slice(a, b));
      const tiles: unknown[] = [];
      for (let a = 0; a < N; a += 137) tiles.push(...norm(await all(s.read({ start: a, end: a + 137 }))));
      expect(tiles).toEqual(full);
    } finally {
      await s.close();
    }
  });
});

describe.each(impls)('Source contract: %s', (kind, make, makeMissing) => {
  it('columns and count', async () => {
    const s = make();
    try {
      expect((await s.columns()).map((c) => c.name)).toEqual(['id', 'name', 'note']);
      expect(await s.count()).toBe(N);
      expect(s.name).toBe('t');
    } finally {
      await s.close();
    }
  });

  it('a full read gives every row in order, values intact', async () => {
    const s = make();
    try {
      const got = norm(await all(s.read()));
      expect(got).toEqual(rows.map((r, i) => ({ row: i, ...r })));
    } finally {
      await s.close();
    }
  });

  it('ranges are slices of the full read, and tiling ranges read each row once', async () => {
    const s = make();
    try {
      const full = norm(await all(s.read()));
      for (const [a, b] of [[0, 10], [63, 65], [500, 777], [990, 1000], [995, 2000], [1000, 1010]] as const) {
        expect(norm(await all(s.read({ start: a, end: b }))), `${kind} ${a}..${b}`).toEqual(full.slice(a, b));
      }
      const tiles: unknown[] = [];
      for (let a = 0; a < N; a += 137) tiles.push(...norm(await all(s.read({ start: a, end: a + 137 }))));
      expect(tiles).toEqual(full);
    } finally {
      await s.close();
    }
  });

  it('an unreadable source is a SourceError naming it', async () => {
    const s = makeMissing();
    try {
      const err = await s.columns().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      expect((err as Error).message).toMatch(kind === 'postgres' ? /missing_table/ : /missing\.(csv|jsonl)/);
      expect((err as SourceError).exitCode).toBe(2);
    } finally {
      await s.close();
    }
  });
});
