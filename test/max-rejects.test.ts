// Issue 7 item 12: a run whose records are (nearly) all rejected does not say "completed" with
// exit 0: --max-rejects (default 10%) fails it, and the accounting holds on every exit path.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { createSimServer, type SimServer } from '@synthfarm/sim';
import { stackLines, synthfarm, tempDir } from './support/cli.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let sim: SimServer;
let specPath: string;

beforeAll(async () => {
  tmp = await tempDir('synthfarm-max-rejects-');
  sim = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7, faults: { malformedRate: 1 } });
  const { url } = await sim.listen(0);
  specPath = join(tmp.dir, 'spec.json');
  await writeFile(specPath, JSON.stringify({
    seed: 4,
    datasets: [{ name: 'people', count: 40, batchSize: 20, recordsPerCall: 10, fields: { id: { kind: 'sequence' }, bio: { kind: 'llm', prompt: 'one sentence', maxLength: 60 } } }],
    stages: { generate: { backend: 'q', repairAttempts: 0 } },
    backends: { q: { provider: 'ollama', model: 'gemma3:4b', hosts: [url], maxRetries: 0 } },
  }));
});
afterAll(async () => {
  await sim.close();
  await tmp.cleanup();
});

async function lines(file: string): Promise<number> {
  return existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean).length : 0;
}

/** written + rejected (+ failed) = requested, and the files hold what the manifest counts. */
async function expectAccounted(out: string): Promise<Manifest> {
  const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  let rejected = 0;
  for (const [name, d] of Object.entries(m.datasets)) {
    expect(d.written + d.rejected + (d.failed ?? 0), name).toBe(d.requested);
    expect(await lines(join(out, `${name}.jsonl`))).toBe(d.written);
    rejected += d.rejected;
  }
  expect(await lines(join(out, 'rejects.jsonl'))).toBe(rejected);
  expect(m.rejects.rows).toBe(rejected);
  return m;
}

describe('--max-rejects', () => {
  it('every record rejected, default limit: status failed, exit 1, one line saying why, files published', async () => {
    const out = join(tmp.dir, 'default');
    const res = await synthfarm(['run', specPath, '--out', out, '--no-cache', '--json']);
    expect(res.code).toBe(1);
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr).toBe('synthfarm: 40 of 40 records were rejected, more than --max-rejects allows (4); the reasons are in rejects.jsonl\n');
    expect(JSON.parse(res.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({ status: 'failed', datasets: { people: { requested: 40, written: 0, rejected: 40 } } });
    const m = await expectAccounted(out);
    expect(m).toMatchObject({ status: 'failed', error: { code: 'TOO_MANY_REJECTS' } });
  });

  it.for([['100%', 0], ['40', 0], ['39', 1], ['0', 1]] as const)('--max-rejects %s → exit %i', async ([limit, code]) => {
    const out = join(tmp.dir, `limit-${limit}`);
    const res = await synthfarm(['run', specPath, '--out', out, '--no-cache', '--max-rejects', limit]);
    expect(res.code).toBe(code);
    const m = await expectAccounted(out);
    expect(m.status).toBe(code === 0 ? 'completed' : 'failed');
    await rm(out, { recursive: true, force: true });
  });

  it.for(['ten', '101%', '-1'])('--max-rejects %s is a usage error (exit 2)', async (bad) => {
    const res = await synthfarm(['run', specPath, '--out', join(tmp.dir, 'never'), '--max-rejects', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`--max-rejects must be a record count >= 0 or a percentage 0%..100%, got '${bad}'`);
    expect(existsSync(join(tmp.dir, 'never'))).toBe(false);
  });
});

it('a run that fails: its manifest claims no file and accounts for every record as failed', async () => {
  const spec = join(tmp.dir, 'exhausted.yaml');
  await writeFile(spec, 'name: people\ncount: 50\nfields:\n  flag: { kind: faker, method: datatype.boolean, unique: true }\n');
  const out = join(tmp.dir, 'failed');
  const res = await synthfarm(['run', spec, '--out', out, '--threads', '0', '--json']);
  expect(res.code).toBe(2);
  expect(JSON.parse(res.stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({ status: 'failed', exitCode: 2, error: { code: 'UNIQUE_EXHAUSTED' } });
  const m = await expectAccounted(out);
  expect(m.datasets.people).toMatchObject({ requested: 50, written: 0, rejected: 0, failed: 50, files: [] });
});
