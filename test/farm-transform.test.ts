import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/cli.js';
import { killAll, runCli, sha256Files, spawnWorker, startSim } from './support/farm-harness.js';
import { startRedis, type RedisHandle } from './support/redis-server.js';

/**
 * A transform spec in farm mode (DESIGN §9): workers read their own source ranges (batches carry
 * ranges, never rows) and the files equal an embedded run's, rejects and lineage included.
 */
const env = { SYNTHFARM_PSEUDONYM_KEY: 'farm-test-key' };
let tmp: { dir: string; cleanup: () => Promise<void> };
let redis: RedisHandle;
let specPath: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-farm-transform-');
  await mkdir(join(tmp.dir, 'legacy'));
  const rows = ['customer_id,contact_name,country,signup'];
  for (let i = 0; i < 700; i++) rows.push(i === 321 ? 'BROKEN,"unterminated' : `C${i},Name ${i % 97},${['UK', 'USA', 'FR'][i % 3]},${String((i % 28) + 1).padStart(2, '0')}/0${(i % 9) + 1}/20${String(i % 24).padStart(2, '0')}`);
  rows.push('C5,Duplicate,UK,01/01/2001');
  await writeFile(join(tmp.dir, 'legacy/customers.csv'), rows.join('\n') + '\n');
  specPath = join(tmp.dir, 'spec.yaml');
  await writeFile(specPath, `
sources:
  legacy: { dir: ${join(tmp.dir, 'legacy')} }
datasets:
  - name: customers
    batchSize: 100
    source: { from: legacy, csv: customers.csv, key: customer_id }
    fields:
      id:      { kind: pseudonym, column: customer_id, method: string.uuid, unique: true }
      name:    { kind: pseudonym, column: contact_name, method: person.fullName }
      country: { kind: from, column: country, map: { UK: GB, USA: US } }
      joined:  { kind: from, column: signup, parse: { date: ["DD/MM/YYYY"] } }
      label:   { kind: template, template: "{{country}}-{{source.customer_id}}" }
output: { formats: [csv, jsonl], lineage: true }
`);
  const [r, s] = await Promise.all([startRedis(), startSim()]);
  redis = r;
  await spawnWorker({ redisUrl: redis.url, host: { name: 'gpu1', url: s.url }, env });
});
afterAll(async () => {
  await killAll();
  await redis?.stop();
  await tmp?.cleanup();
});

describe('transform in farm mode', () => {
  it('writes the same files as embedded mode', async () => {
    const embedded = await runCli(['run', specPath, '--out', join(tmp.dir, 'embedded'), '--max-rejects', '10'], env);
    expect(embedded.stderr).toBe('');
    expect(embedded.code).toBe(0);
    // The farm reads files for a run only under its data roots (the farm policy).
    const farm = await runCli(['run', specPath, '--redis', redis.url, '--out', join(tmp.dir, 'farm'), '--max-rejects', '10'], { ...env, SYNTHFARM_DATA_ROOTS: tmp.dir });
    expect(farm.stderr).toBe('');
    expect(farm.code).toBe(0);
    const e = await sha256Files(join(tmp.dir, 'embedded'));
    expect(Object.keys(e)).toEqual(['customers.csv', 'customers.jsonl', 'lineage.jsonl', 'rejects.jsonl']);
    expect(await sha256Files(join(tmp.dir, 'farm'))).toEqual(e);
  });
});
