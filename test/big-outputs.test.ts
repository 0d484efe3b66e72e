import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { synthfarm, tempDir } from './support/cli.js';
import { outputHashes } from './support/output.js';

/**
 * Issue #12, item 6 (big outputs), end to end through the CLI: `output.split`, `output.gzip`
 * and `formats: [parquet]`. A reader finds every part in the manifest with its rows, bytes and
 * sha256; the parts hold exactly what one plain file would; Parquet holds the JSONL's values.
 */

const spec = (output: string, batchSize = 300) => `version: 1
seed: 7
datasets:
  - name: customers
    count: 2500
    batchSize: ${batchSize}
    fields:
      id:       { kind: sequence }
      name:     { kind: faker, method: person.lastName }
      email:    { kind: template, template: "{{name}}@example.com", lower: true, unique: true }
      age:      { kind: normal, mean: 35, sd: 12, min: 18, max: 90, integer: true }
      score:    { kind: uniform, min: 0, max: 1, round: 3 }
      signedUp: { kind: date, from: 2020-01-01, to: 2025-12-31 }
      seen:     { kind: datetime, from: 2024-01-01, to: 2024-12-31 }
      vip:      { kind: bool, p: 0.2 }
      tier:     { kind: choice, values: [free, premium] }
      address:  { kind: object, fields: { city: { kind: faker, method: location.city }, zip: { kind: uniform, min: 10000, max: 99999, integer: true } } }
      tags:     { kind: array, min: 0, max: 3, of: { kind: choice, values: [a, b, c] } }
      nick:     { kind: faker, method: person.firstName, nullRate: 0.3 }
  - name: orders
    count: 700
    batchSize: ${batchSize}
    fields:
      id:         { kind: uuid }
      customerId: { kind: ref, dataset: customers, field: id }
      total:      { kind: uniform, min: 5, max: 500, round: 2 }
output: ${output}
`;
const BIG = '{ formats: [csv, jsonl, parquet], split: { rows: 1000 }, gzip: true, parquet: { rowGroupRows: 400 } }';

let tmp: { dir: string; cleanup: () => Promise<void> };
const run = async (name: string, output: string, batchSize?: number) => {
  const path = join(tmp.dir, `${name}.yaml`);
  await writeFile(path, spec(output, batchSize));
  const out = join(tmp.dir, name);
  const res = await synthfarm(['run', path, '--out', out, '--json']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return { out, manifest: JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest };
};

let big: Awaited<ReturnType<typeof run>>;
let plain: Awaited<ReturnType<typeof run>>;
beforeAll(async () => {
  tmp = await tempDir('synthfarm-big-outputs-');
  big = await run('big', BIG);
  plain = await run('plain', '{ formats: [csv, jsonl] }');
});
afterAll(() => tmp?.cleanup());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('output.split, output.gzip, parquet', () => {
  it('the manifest lists every part with its rows, bytes and sha256, and nothing else is published', async () => {
    const files = big.manifest.datasets.customers!.files;
    expect(files.map((f) => [f.path, f.format, f.rows])).toEqual([
      ['customers.part-00001.csv.gz', 'csv', 1000], ['customers.part-00002.csv.gz', 'csv', 1000], ['customers.part-00003.csv.gz', 'csv', 500],
      ['customers.part-00001.jsonl.gz', 'jsonl', 1000], ['customers.part-00002.jsonl.gz', 'jsonl', 1000], ['customers.part-00003.jsonl.gz', 'jsonl', 500],
      ['customers.part-00001.parquet', 'parquet', 1000], ['customers.part-00002.parquet', 'parquet', 1000], ['customers.part-00003.parquet', 'parquet', 500],
    ]);
    expect(big.manifest.datasets.orders!.files.map((f) => f.path)).toEqual(['orders.part-00001.csv.gz', 'orders.part-00001.jsonl.gz', 'orders.part-00001.parquet']);
    for (const f of [...files, ...big.manifest.datasets.orders!.files]) {
      const b = await readFile(join(big.out, f.path));
      expect({ path: f.path, bytes: b.length, sha256: sha256(b) }).toEqual({ path: f.path, bytes: f.bytes, sha256: f.sha256 });
    }
    const listed = [...files, ...big.manifest.datasets.orders!.files].map((f) => f.path);
    expect((await readdir(big.out)).sort()).toEqual([...listed, 'events.jsonl', 'manifest.json', 'rejects.jsonl', 'report-data.json', 'report.html'].sort());
  });

  it('gunzipped and put together, the parts are the plain run\'s CSV and JSONL (each CSV part starts with the header)', async () => {
    for (const [name, format] of [['customers', 'csv'], ['customers', 'jsonl'], ['orders', 'csv'], ['orders', 'jsonl']] as const) {
      const parts = big.manifest.datasets[name]!.files.filter((f) => f.format === format);
      const texts = await Promise.all(parts.map(async (f) => gunzipSync(await readFile(join(big.out, f.path))).toString('utf8')));
      const whole = await readFile(join(plain.out, `${name}.${format}`), 'utf8');
      if (format === 'csv') {
        const header = whole.slice(0, whole.indexOf('\n') + 1);
        for (const t of texts) expect(t.startsWith(header)).toBe(true);
        expect(header + texts.map((t) => t.slice(header.length)).join('')).toBe(whole);
      } else expect(texts.join('')).toBe(whole);
    }
  });

  it('Parquet read back holds the JSONL\'s values, typed from the spec (ints, dates, timestamps, structs, lists, nulls)', async () => {
    const jsonl = (await readFile(join(plain.out, 'customers.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const rows: Record<string, unknown>[] = [];
    let groups = 0;
    for (const f of big.manifest.datasets.customers!.files.filter((x) => x.format === 'parquet')) {
      const b = await readFile(join(big.out, f.path));
      const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
      const meta = parquetMetadata(file);
      expect(meta.created_by).toBe('synthfarm');
      groups += meta.row_groups.length;
      rows.push(...(await parquetReadObjects({ file })));
    }
    // 1000-record parts in 400-record row groups: 400+400+200, twice, then 400+100.
    expect(groups).toBe(8);
    const back = rows.map((r) => ({
      ...r,
      id: Number(r.id),
      age: Number(r.age),
      address: { ...(r.address as object), zip: Number((r.address as { zip: bigint }).zip) },
      signedUp: (r.signedUp as Date).toISOString().slice(0, 10),
      seen: (r.seen as Date).toISOString().replace('.000Z', 'Z'),
    }));
    expect(back).toEqual(jsonl);
    expect(jsonl.some((r) => r.nick === null)).toBe(true);
  });

  it('same spec, same seed, same bytes: whatever the batch size', async () => {
    const other = await run('big-batch-77', BIG, 77);
    expect(await outputHashes(other.out)).toEqual(await outputHashes(big.out));
  });

  it('a bad output option is a spec error naming it (exit 2), before anything is written', async () => {
    const path = join(tmp.dir, 'bad.yaml');
    await writeFile(path, spec('{ formats: [parquet], split: { rows: 0 } }'));
    const res = await synthfarm(['run', path, '--out', join(tmp.dir, 'bad')]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe('synthfarm: output.split.rows: must be > 0');
  });
});
