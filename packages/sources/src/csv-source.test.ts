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

describe('CSV positions and worker-thread reads', () => {
  // 3,000 rows, some quoted across lines: index entries every 100 rows.
  const body = ['id,note'];
  for (let i = 0; i < 3000; i++) body.push(i % 7 === 0 ? `${i},"two\nlines, ""quoted"""` : `${i},plain ${i}`);
  const text = body.join('\n') + '\n';

  it('a range read from the position another reader of the file gave is the range read by itself', async () => {
    const p = join(dir, 'positions.csv');
    await writeFile(p, text);
    const indexer = createCsvSource(p, { indexEvery: 100 });
    for (const [start, end] of [[0, 10], [99, 101], [1234, 1777], [2950, 3000]] as const) {
      const at = await indexer.position!(start);
      expect(at.row).toBeLessThanOrEqual(start);
      expect(start - at.row).toBeLessThan(100 + 1);
      const given: SourceItem[] = [];
      // A fresh source: it never builds an index of its own.
      for await (const x of createCsvSource(p, { indexEvery: 100 }).read({ start, end, at })) given.push(x);
      const own: SourceItem[] = [];
      for await (const x of createCsvSource(p, { indexEvery: 100 }).read({ start, end })) own.push(x);
      expect(given).toEqual(own);
      expect(given.map((x) => x.row)).toEqual(Array.from({ length: end - start }, (_, k) => start + k));
    }
  });

  it('reads the same items on a worker thread (synchronous 64 KiB reads) as on the main thread', async () => {
    const p = join(dir, 'threads.csv');
    // Wider than one 64 KiB chunk, records crossing chunk boundaries.
    await writeFile(p, text + text.split('\n').slice(1).join('\n').replace(/^(\d+)/gm, (m) => String(Number(m) + 3000)));
    const main: SourceItem[] = [];
    for await (const x of createCsvSource(p).read({ start: 10, end: 5990 })) main.push(x);
    const { Worker } = await import('node:worker_threads');
    const url = new URL('../dist/csv-source.js', import.meta.url).href;
    const code = `const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.url).then(async ({ createCsvSource }) => {
        const out = [];
        for await (const x of createCsvSource(workerData.path).read({ start: 10, end: 5990 })) out.push(x);
        parentPort.postMessage(out);
      });`;
    const items = await new Promise<SourceItem[]>((done, fail) => {
      const w = new Worker(code, { eval: true, workerData: { url, path: p } });
      w.once('message', (m: SourceItem[]) => {
        done(m);
        void w.terminate();
      });
      w.once('error', fail);
      w.once('exit', (code) => fail(new Error(`the worker exited (${code}) without an answer`)));
    });
    expect(main.length).toBe(5980);
    expect(items).toEqual(main);
  });
});

describe('CSV runs', () => {
  it('readRuns gives the items read gives, in order, runs of a chunk or less, for any range', async () => {
    const p = join(dir, 'runs.csv');
    // ~300 KB: several 64 KiB chunks, a malformed row and a short one among them.
    const lines = ['id,name,note'];
    for (let i = 0; i < 6000; i++) lines.push(i === 1234 ? `${i},"bad"x,n` : i === 4321 ? `${i},short` : `${i},name ${i},"note, ${'x'.repeat(i % 50)}"`);
    await writeFile(p, lines.join('\n') + '\n');
    const s = createCsvSource(p, { indexEvery: 500 });
    for (const range of [undefined, { start: 0, end: 10 }, { start: 1000, end: 5000 }, { start: 5990, end: 7000 }]) {
      const one: SourceItem[] = [];
      for await (const x of s.read(range)) one.push(x);
      const runs: SourceItem[][] = [];
      for await (const r of s.readRuns!(range)) runs.push(r);
      expect(runs.flat()).toEqual(one);
      expect(runs.every((r) => r.length > 0)).toBe(true);
      if (!range) expect(runs.length).toBeGreaterThan(3);
    }
    await s.close();
  });
});
