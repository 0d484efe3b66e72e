import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parquetReadObjects } from 'hyparquet';
import { openDatasetWriter, type DatasetWriterOptions } from '@synthfarm/output';
import type { ValueColumn } from '@synthfarm/spec';
import { openRunFiles, type RunFiles } from './output-file.js';
import { packLines } from './packed-lines.js';

/**
 * Big outputs (issue #12, item 6): split parts, gzip members and Parquet row groups, written
 * through the run's real output directory in both modes. The bytes must not depend on how
 * records arrive in batches, on the mode, or on a crash and resume at any commit point.
 */

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthfarm-big-outputs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const RECORDS = 230;
const record = (i: number) => ({
  id: i + 1,
  name: i % 7 === 0 ? `O'Hara, "${i}"\nline two` : `name-${i}`,
  score: i / 8,
  day: `2024-0${1 + (i % 9)}-1${i % 10}`,
  at: `2024-03-0${1 + (i % 9)}T10:0${i % 10}:00Z`,
  vip: i % 3 === 0,
  address: { city: `city-${i % 5}`, zip: 10_000 + i },
  tags: Array.from({ length: i % 4 }, (_, k) => `t${k}`),
  nick: i % 4 === 0 ? null : `n${i}`,
});
const csvLine = (r: ReturnType<typeof record>) => `${r.id},"${r.name.replace(/"/g, '""')}",${r.score}\n`;
const jsonLine = (r: ReturnType<typeof record>) => JSON.stringify(r) + '\n';

const COLUMNS: ValueColumn[] = [
  { name: 'id', type: { kind: 'int' }, nullable: false },
  { name: 'name', type: { kind: 'string' }, nullable: false },
  { name: 'score', type: { kind: 'double' }, nullable: false },
  { name: 'day', type: { kind: 'date' }, nullable: false },
  { name: 'at', type: { kind: 'timestamp' }, nullable: false },
  { name: 'vip', type: { kind: 'bool' }, nullable: false },
  { name: 'address', type: { kind: 'struct', fields: [{ name: 'city', type: { kind: 'string' }, nullable: false }, { name: 'zip', type: { kind: 'int' }, nullable: false }] }, nullable: false },
  { name: 'tags', type: { kind: 'list', of: { kind: 'string' }, nullable: false }, nullable: false },
  { name: 'nick', type: { kind: 'string' }, nullable: true },
];

type Case = Omit<DatasetWriterOptions, 'store' | 'dataset'>;
const CASES: Record<string, Case> = {
  'csv, split, gzip': { format: 'csv', header: 'id,name,score\n', splitRows: 100, gzip: true, gzipMemberRows: 30 },
  'jsonl, gzip': { format: 'jsonl', gzip: true, gzipMemberRows: 45 },
  'csv, split': { format: 'csv', header: 'id,name,score\n', splitRows: 64 },
  'parquet, split': { format: 'parquet', splitRows: 120, parquet: { columns: COLUMNS, rowGroupRows: 50 } },
};
const lineOf = (c: Case) => (c.format === 'csv' ? csvLine : jsonLine);

/** Writes records [from, to) in batches of `batch` through `w`, calling `after` with the position after each. */
async function feed(w: Awaited<ReturnType<typeof openDatasetWriter>>, c: Case, from: number, to: number, batch: number, after?: (rows: number, pos: Record<string, number>) => void) {
  for (let s = from; s < to; s += batch) {
    const e = Math.min(to, s + batch);
    await w.append(packLines(Array.from({ length: e - s }, (_, k) => lineOf(c)(record(s + k)))));
    after?.(e, w.position());
  }
}

async function open(dir: string, resumable: boolean): Promise<RunFiles> {
  return openRunFiles({ dir: join(root, dir), runId: 'r1', resumable });
}

/** A clean run: the files' names and bytes, and the manifest entries. */
async function cleanRun(dir: string, c: Case, batch: number, resumable: boolean) {
  const files = await open(dir, resumable);
  const w = await openDatasetWriter({ ...c, store: files, dataset: 'customers' });
  await feed(w, c, 0, RECORDS, batch);
  const listed = await w.commit();
  const bytes = Object.fromEntries(await Promise.all(listed.map(async (f) => [f.path.slice(files.staging.length + 1), await readFile(f.path)] as const)));
  await files.finish();
  return { listed, bytes };
}

describe.each(Object.entries(CASES))('%s', (_, c) => {
  it('writes the same bytes whatever the batches, embedded or resumable; the manifest entries match the files', async () => {
    const a = await cleanRun('a', c, 7, false);
    const b = await cleanRun('b', c, 113, true);
    expect(Object.keys(a.bytes)).toEqual(Object.keys(b.bytes));
    for (const name of Object.keys(a.bytes)) expect(a.bytes[name]!.equals(b.bytes[name]!), name).toBe(true);
    expect(a.listed.reduce((n, f) => n + f.rows, 0)).toBe(RECORDS);
    for (const f of a.listed) {
      const name = f.path.split('/').at(-1)!;
      expect(f.bytes).toBe(a.bytes[name]!.length);
      expect(f.sha256).toBe((await import('node:crypto')).createHash('sha256').update(a.bytes[name]!).digest('hex'));
    }
    if (c.splitRows) {
      expect(a.listed.map((f) => f.path.split('/').at(-1))).toEqual(Array.from({ length: Math.ceil(RECORDS / c.splitRows) }, (_, p) => `customers.part-${String(p + 1).padStart(5, '0')}.${c.format}${c.gzip ? '.gz' : ''}`));
      expect(a.listed.map((f) => f.rows)).toEqual(Array.from({ length: Math.ceil(RECORDS / c.splitRows) }, (_, p) => Math.min(c.splitRows!, RECORDS - p * c.splitRows!)));
    }
  });

  it('resumed at any commit point (files written past it, a part renamed after it) ends with the clean bytes', async () => {
    const clean = await cleanRun('clean', c, 50, true);
    // Commit points every 37 records. The committer records one before its next append, so a
    // crash loses at most one batch: here a big one (74 records: members compressed, a part renamed).
    for (const at of [37, 74, 111, 148]) {
      const dir = `crash-${at}`;
      let files = await open(dir, true);
      let w = await openDatasetWriter({ ...c, store: files, dataset: 'customers' });
      let point: { rows: number; offsets: Record<string, number> } | undefined;
      await feed(w, c, 0, at, 37, (rows, pos) => (point = { rows, offsets: pos }));
      await feed(w, c, at, Math.min(RECORDS, at + 74), 74);
      await w.discard();
      await files.close();
      files = await open(dir, true);
      w = await openDatasetWriter({ ...c, store: files, dataset: 'customers' }, point);
      await feed(w, c, at, RECORDS, 41);
      const listed = await w.commit();
      expect(listed.map((f) => f.rows)).toEqual(clean.listed.map((f) => f.rows));
      for (const f of listed) expect(f.sha256, `${f.path} after a resume at ${at}`).toBe(clean.listed.find((x) => x.path.endsWith(f.path.split('/').at(-1)!))!.sha256);
      await files.finish();
      // Nothing of the crash is left behind: no part or scratch file.
      expect((await readdir(join(root, dir))).filter((n) => n.endsWith('.part'))).toEqual([]);
    }
  });
});

describe('what readers see', () => {
  it('gzip: every part is a valid multi-member gzip file; the CSV header starts each part', async () => {
    const c = CASES['csv, split, gzip']!;
    const { bytes } = await cleanRun('g', c, 9, false);
    const texts = Object.keys(bytes).sort().map((n) => gunzipSync(bytes[n]!).toString('utf8'));
    for (const t of texts) expect(t.startsWith('id,name,score\n')).toBe(true);
    expect(texts.map((t) => t.slice('id,name,score\n'.length)).join('')).toBe(Array.from({ length: RECORDS }, (_, i) => csvLine(record(i))).join(''));
    // 100 records per part, one member per 30: four members in a full part, each with the fixed header (mtime 0, OS 255).
    const first = bytes[Object.keys(bytes).sort()[0]!]!;
    const members = [...first.keys()].filter((i) => first[i] === 0x1f && first[i + 1] === 0x8b && first[i + 2] === 8 && first.readUInt32LE(i + 4) === 0 && first[i + 9] === 255);
    expect(members.length).toBe(4);
  });

  it('parquet: read back with hyparquet, the values are the JSON lines\' (dates, timestamps, structs, lists, nulls)', async () => {
    const c = CASES['parquet, split']!;
    const { bytes } = await cleanRun('p', c, 33, false);
    const rows: Record<string, unknown>[] = [];
    for (const n of Object.keys(bytes).sort()) {
      const b = bytes[n]!;
      rows.push(...(await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer })));
    }
    const expected = Array.from({ length: RECORDS }, (_, i) => record(i));
    expect(rows.length).toBe(RECORDS);
    const norm = (r: Record<string, unknown>) => ({
      ...r,
      id: Number(r.id),
      address: { ...(r.address as object), zip: Number((r.address as { zip: unknown }).zip) },
      day: (r.day as Date).toISOString().slice(0, 10),
      at: (r.at as Date).toISOString().replace('.000Z', 'Z'),
    });
    expect(rows.map(norm)).toEqual(expected);
  });
});
