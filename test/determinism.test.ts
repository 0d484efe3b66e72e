import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedded } from '@synthfarm/engine';
import { parseSpecText } from '@synthfarm/spec';
import { synthfarm, tempDir } from './support/cli.js';
import { outputHashes } from './support/output.js';

/**
 * DESIGN §3: same spec + seed → the same bytes, whatever the batch size and thread count.
 * The spec uses every code kind and the order-sensitive parts: unique templates that collide
 * (suffixes), a unique drawn field that collides (redraws at the aggregator), correlation,
 * nulls, nesting, and refs into an earlier dataset.
 */
const SPEC = `
version: 1
seed: 7
datasets:
  - name: people
    count: 2000
    fields:
      id:     { kind: sequence, start: 1 }
      uid:    { kind: uuid }
      first:  { kind: faker, method: person.firstName }
      email:  { kind: template, template: "{{first}}@example.com", lower: true, unique: true }
      slot:   { kind: uniform, min: 1, max: 3000, integer: true, unique: true }
      age:    { kind: normal, mean: 40, sd: 10, min: 18, max: 90, integer: true }
      income: { kind: lognormal, mu: 10, sigma: 0.5, round: 2, correlate: { with: age, r: 0.6 } }
      tier:   { kind: choice, weights: { free: 0.7, pro: 0.3 } }
      joined: { kind: datetime, from: 2020-01-01, to: 2024-12-31 }
      born:   { kind: faker, method: date.birthdate }
      active: { kind: bool, p: 0.8 }
      home:   { kind: object, fields: { city: { kind: faker, method: location.city, locale: de }, zip: { kind: faker, method: location.zipCode, nullRate: 0.2 } } }
      tags:   { kind: array, min: 0, max: 3, of: { kind: choice, values: [a, b, c] } }
      nick:   { kind: faker, method: person.firstName, nullRate: 0.3 }
  - name: orders
    count: 3000
    fields:
      id:       { kind: uuid }
      personId: { kind: ref, dataset: people, field: id }
      email:    { kind: ref, dataset: people, field: email }
      total:    { kind: exponential, rate: 0.02, round: 2 }
      n:        { kind: poisson, lambda: 3 }
`;

const dirs: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(dirs.map((cleanup) => cleanup()));
});

/** Runs the spec in this process and returns the sha256 of every output file. */
async function run(opts: { batchSize?: number; threads: number; text?: string; seed?: number }): Promise<Record<string, string>> {
  const { dir, cleanup } = await tempDir('synthfarm-det-');
  dirs.push(cleanup);
  const loaded = parseSpecText(opts.text ?? SPEC, 'det.yaml', { env: {}, overrides: { outDir: dir, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) } });
  if (opts.batchSize) for (const d of loaded.spec.datasets) d.batchSize = opts.batchSize;
  const manifest = await runEmbedded({ loaded, threads: opts.threads });
  expect(manifest.status).toBe('completed');
  expect(manifest.datasets.people!.uniqueRedraws).toBeGreaterThan(0);
  return outputHashes(dir);
}

const SEED_8 = SPEC.replace('seed: 7', 'seed: 8');
const DATA_FILES = ['orders.csv', 'orders.jsonl', 'people.csv', 'people.jsonl'];

let reference: Record<string, string>;
let seed8: Record<string, string>;
beforeAll(async () => {
  reference = await run({ batchSize: 250, threads: 0 });
  seed8 = await run({ threads: 0, text: SEED_8 });
});

describe('same spec + seed → same bytes', () => {
  it('the reference run wrote every file', () => {
    expect(Object.keys(reference)).toEqual([...DATA_FILES, 'rejects.jsonl']);
  });

  it.each([
    { batchSize: 1, threads: 0 },
    { batchSize: 7, threads: 0 },
    { batchSize: 10000, threads: 0 },
    { batchSize: 7, threads: 1 },
    { batchSize: 250, threads: 1 },
    { batchSize: 1, threads: 2 },
    { batchSize: 250, threads: 2 },
    { batchSize: 10000, threads: 2 },
  ])('batchSize $batchSize, threads $threads', async (opts) => {
    expect(await run(opts)).toEqual(reference);
  });

  it('a different seed changes every data file', () => {
    for (const f of DATA_FILES) expect(seed8[f], f).not.toBe(reference[f]);
  });

  // Known bug (packages/engine/src/generate-batch.ts): worker threads cache compiled datasets
  // by the hash of the spec *text*, so a seed given as an override (`--seed`, an API call) is
  // ignored by a process that already ran that spec, while the aggregator regenerates unique
  // collisions with the new seed: the output is a mix of both seeds. A fresh CLI process is
  // not affected (see below). Drop `.fails` once the cache key covers the seed.
  it('a seed override gives the bytes of that seed written in the spec, in a process that already ran the spec', async () => {
    expect(await run({ threads: 0, seed: 8 })).toEqual(seed8);
  });
});

describe('through the CLI', () => {
  it('the CLI writes the bytes of an embedded run; --seed 8 writes those of seed: 8', async () => {
    const { dir, cleanup } = await tempDir('synthfarm-det-cli-');
    dirs.push(cleanup);
    const spec = join(dir, 'det.yaml');
    await writeFile(spec, SPEC);
    const [a, b] = await Promise.all([
      synthfarm(['run', spec, '--out', join(dir, 'a')]),
      synthfarm(['run', spec, '--out', join(dir, 'b'), '--seed', '8']),
    ]);
    expect(a.stderr + b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(await outputHashes(join(dir, 'a'))).toEqual(reference);
    expect(await outputHashes(join(dir, 'b'))).toEqual(seed8);
  });
});
