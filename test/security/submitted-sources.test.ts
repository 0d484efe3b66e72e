// A submitted spec's legacy sources and PostgreSQL sink go through the farm policy (DESIGN §11):
// databases by the operator's names only, files only under the data roots.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '@synthfarm/engine';
import { createFarmPolicy } from '@synthfarm/spec';

let root: string;
let data: string;
const env = { SYNTHFARM_PSEUDONYM_KEY: 'k' };

const spec = (source: string, file = 'customers.csv', sink = '') => `
sources:
  legacy: ${source}
datasets:
  - name: customers
    source: { from: legacy, csv: ${file}, key: id }
    fields:
      id: { kind: from, column: id }
output:
  formats: [jsonl]
${sink}`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sf-submitted-'));
  data = join(root, 'data');
  await mkdir(join(data, 'legacy'), { recursive: true });
  await writeFile(join(data, 'legacy/customers.csv'), 'id\nA\n');
  await writeFile(join(root, 'secret.csv'), 'id\nS\n');
  await symlink(join(root, 'secret.csv'), join(data, 'legacy/link.csv'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const submit = (text: string) => loadSpec({ text, source: 'api.yaml' }, { env, farmPolicy: createFarmPolicy({ dataRoots: [data], databases: { legacy: 'postgres://postgres@127.0.0.1:5432/legacy_db' } }), skipSources: true });

describe('submitted transform specs', () => {
  it('reads files only under the data roots', async () => {
    const ok = await submit(spec('{ dir: legacy }'));
    expect(ok.spec.sources.legacy!.dir).toBe(join(data, 'legacy'));
    await expect(submit(spec('{ dir: ../ }', 'secret.csv'))).rejects.toThrow("sources.legacy.dir: ../: outside the farm's data roots");
    await expect(submit(spec('{ dir: legacy }', 'link.csv'))).rejects.toThrow(/datasets\[0\]\.source\.csv: .*link\.csv: outside the farm's data roots/);
  });

  it('names databases, never URLs, for sources and the PostgreSQL sink', async () => {
    await expect(submit(spec('{ url: "postgres://postgres@10.0.0.5/prod" }').replace('csv: customers.csv', 'table: customers'))).rejects.toThrow('sources.legacy.url: a submitted spec names a database the operator configured (database: NAME), never a URL');
    await expect(submit(spec('{ database: other }').replace('csv: customers.csv', 'table: customers'))).rejects.toThrow("sources.legacy.database: database 'other' is not one this farm allows (allowed: legacy)");
    const named = await submit(spec('{ database: legacy }', 'x', '  postgres: { database: legacy }').replace('csv: x', 'table: customers'));
    expect(named.spec.sources.legacy!.url).toBe('postgres://postgres@127.0.0.1:5432/legacy_db');
    expect(named.spec.output.postgres!.url).toBe('postgres://postgres@127.0.0.1:5432/legacy_db');
    await expect(submit(spec('{ dir: legacy }', 'customers.csv', '  postgres: { url: "postgres://evil/x" }'))).rejects.toThrow('output.postgres.url: a submitted spec names a database');
  });
});
