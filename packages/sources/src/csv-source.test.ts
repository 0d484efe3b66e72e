import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsvSource } from './csv-source.js';
import type { SourceItem } from './source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sf-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(path: string, opts = {}): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const x of createCsvSource(path, opts).read()) out.push(x);
  return out;
}

describe('CSV legacy dialects', () => {
  it('sniffs ; as the separator and Latin-1 (Windows-1252) as the encoding', async () => {
    const p = join(dir, 'latin1.csv');
    // “ and ” are 0x93 / 0x94 in Windows-1252
    const bytes = Buffer.concat([Buffer.from('id;name;price\n1;M\xfcller;3,50\n2;Fran\xe7oise ', 'latin1'), Buffer.from([0x93]), Buffer.from('Fanny', 'latin1'), Buffer.from([0x94]), Buffer.from(';12\n', 'latin1')]);
    await writeFile(p, bytes);
    const items = await read(p);
    expect(items.map((x) => x.ok && x.values)).toEqual([
      { id: '1', name: 'Müller', price: '3,50' },
      { id: '2', name: 'Françoise “Fanny”', price: '12' },
    ]);
  });

  it('skips a UTF-8 BOM: the first column is named without it', async () => {
    const p = join(dir, 'bom.csv');
    await writeFile(p, '\ufeffcustomer_id,city\nALFKI,Berlin\n');
    const s = createCsvSource(p);
    expect((await s.columns()).map((c) => c.name)).toEqual(['customer_id', 'city']);
  });

  it('a malformed line is reported with its line number and reason; the rest is read', async () => {
    const p = join(dir, 'bad.csv');
    await writeFile(p, 'a,b\n1,2\n3,4,5\n"x\ny",6\n7,8\n');
    const items = await read(p);
    expect(items.filter((x) => x.ok).map((x) => x.ok && x.values.a)).toEqual(['1', 'x\ny', '7']);
    const bad = items.filter((x) => !x.ok);
    expect(bad).toEqual([{ ok: false, row: 1, line: 3, reason: 'expected 2 fields, found 3' }]);
    // the multi-line record starts on line 4; the next on line 6
    expect(items.map((x) => x.line)).toEqual([2, 3, 4, 6]);
  });

  it('an unclosed quote is reported at its line, rows before it are kept', async () => {
    const p = join(dir, 'unclosed.csv');
    await writeFile(p, 'a,b\n1,2\n3,"oops\n4,5\n');
    const items = await read(p);
    expect(items[0]).toMatchObject({ ok: true, values: { a: '1', b: '2' } });
    expect(items.at(-1)).toMatchObject({ ok: false, line: 3 });
    expect((items.at(-1) as { reason: string }).reason).toMatch(/quote/i);
  });
});
