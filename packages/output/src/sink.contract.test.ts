import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { createSink } from './line-sink.js';
import type { Format } from './record-encoder.js';
import type { OutRecord } from './sink.js';

/** The contract every Sink implementation passes (see sink.ts). */
const columns = ['id', 'name', 'address.city', 'tags', 'ok'];
const records: OutRecord[] = [
  { id: 1, name: 'Ann, "A"', address: { city: 'Köln' }, tags: ['a', 'b'], ok: true },
  { id: 2, name: '=2+2', address: null, tags: [], ok: false },
  { id: 3, name: 'multi\nline', address: { city: null }, tags: null, ok: null },
];

/** Reads a finished file back into records of plain cells, per format. */
function readBack(format: Format, text: string): unknown[] {
  if (format === 'jsonl') return text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
  return parse(text, { columns: true }) as unknown[];
}

describe.each<Format>(['csv', 'jsonl'])('%s sink', (format) => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synthfarm-sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes records in order across calls; commit reports rows, bytes and sha256 of the file', async () => {
    const path = join(dir, `people.${format}`);
    const sink = createSink(format, path, { columns });
    await sink.write(records.slice(0, 1));
    await sink.writeEncoded(records.slice(1).map((r) => sink.encode(r)).join(''), 2);
    // Not visible under its name until committed.
    expect(await readdir(dir)).not.toContain(`people.${format}`);
    const info = await sink.commit();
    const bytes = await readFile(path);
    expect(info).toMatchObject({ path, format, rows: 3, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(await readdir(dir)).toEqual([`people.${format}`]);
    const back = readBack(format, bytes.toString('utf8'));
    expect(back).toHaveLength(3);
    if (format === 'jsonl') expect(back).toEqual(records);
    else expect(back).toEqual([
      { id: '1', name: 'Ann, "A"', 'address.city': 'Köln', tags: '["a","b"]', ok: 'true' },
      { id: '2', name: "'=2+2", 'address.city': '', tags: '[]', ok: 'false' },
      { id: '3', name: 'multi\nline', 'address.city': '', tags: '', ok: '' },
    ]);
  });

  it('an empty dataset still gives a well-formed file', async () => {
    const path = join(dir, `empty.${format}`);
    const sink = createSink(format, path, { columns });
    const info = await sink.commit();
    expect(info.rows).toBe(0);
    expect(await readFile(path, 'utf8')).toBe(format === 'csv' ? 'id,name,address.city,tags,ok\r\n' : '');
  });

  it('abort leaves nothing behind', async () => {
    const sink = createSink(format, join(dir, `gone.${format}`), { columns });
    await sink.write(records);
    await sink.abort();
    expect(await readdir(dir)).toEqual([]);
  });
});
