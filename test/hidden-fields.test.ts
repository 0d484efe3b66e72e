import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthfarm, tempDir } from './support/cli.js';
import { readCsv, readJsonl } from './support/output.js';

/** `hidden: true`: a helper field other fields use, generated but never written. */

const SPEC = `seed: 5
datasets:
  - name: people
    count: 3000
    batchSize: 700
    fields:
      id: { kind: sequence }
      first: { kind: choice, values: [ann, bob], hidden: true }
      last: { kind: choice, values: [lee, ray], hidden: true }
      email: { kind: template, template: '{{first}}.{{last}}@example.com', unique: true }
      handle: { kind: template, template: '{{first}}{{last}}', unique: true, hidden: true }
      tag: { kind: template, template: 'user-{{handle}}' }
      meta:
        kind: object
        fields:
          secret: { kind: uuid, hidden: true }
          kept: { kind: bool }
`;

const REF_SPEC = `datasets:
  - name: customers
    count: 5
    fields:
      id: { kind: sequence, hidden: true }
  - name: orders
    count: 5
    fields:
      customerId: { kind: ref, dataset: customers, field: id }
`;

describe('hidden fields', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir();
    await writeFile(join(tmp.dir, 'hidden.yaml'), SPEC);
    await writeFile(join(tmp.dir, 'ref.yaml'), REF_SPEC);
  });
  afterAll(async () => {
    await tmp.cleanup();
  });

  for (const threads of ['0', '2']) {
    it(`feed other fields but appear in no CSV column and no JSONL key (threads ${threads})`, async () => {
      const out = join(tmp.dir, `out-${threads}`);
      const res = await synthfarm(['run', join(tmp.dir, 'hidden.yaml'), '--out', out, '--threads', threads, '--json']);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const csv = await readCsv(join(out, 'people.csv'));
      expect(csv.header).toEqual(['id', 'email', 'tag', 'meta.kept']);
      const rows = await readJsonl(join(out, 'people.jsonl'));
      expect(rows).toHaveLength(3000);
      for (const r of rows) {
        expect(Object.keys(r)).toEqual(['id', 'email', 'tag', 'meta']);
        expect(Object.keys(r.meta as object)).toEqual(['kept']);
        expect(r.email).toMatch(/^(ann|bob)\.(lee|ray)\d*@example\.com$/);
        expect(r.tag).toMatch(/^user-(ann|bob)(lee|ray)\d*$/);
      }
      // Uniqueness suffixes still land in the visible field.
      expect(new Set(rows.map((r) => r.email)).size).toBe(3000);
      expect(csv.rows.map((r) => r.email)).toEqual(rows.map((r) => r.email));
      const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { status: string };
      expect(manifest.status).toBe('completed');
    });
  }

  it('threads or not, the same bytes', async () => {
    for (const f of ['people.csv', 'people.jsonl']) {
      expect(await readFile(join(tmp.dir, 'out-2', f), 'utf8')).toBe(await readFile(join(tmp.dir, 'out-0', f), 'utf8'));
    }
  });

  it('a ref to a hidden field is refused: its values are never written, so nothing could join on them', async () => {
    const res = await synthfarm(['validate', join(tmp.dir, 'ref.yaml')]);
    expect(res.code).toBe(2);
    expect(res.stderr.trimEnd()).toBe("synthfarm: datasets[1].fields.customerId.field: refers to customers.id, which is hidden (hidden fields are not written, so no output could join on them)");
  });
});
