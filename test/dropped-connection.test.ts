// Issue 7 item 5: a connection the host drops halfway through an answer is a retryable transport
// error for every provider, and `written + rejected = requested` holds with rejects.jsonl holding
// exactly the rejects the manifest counts. Runs the built CLI against a simulated host in this process.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '@synthfarm/engine';
import { createSimServer, type SimServer } from '@synthfarm/sim';
import { stackLines, synthfarm } from './support/cli.js';

let root: string;
let sim: SimServer;
let url: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthfarm-drop-'));
  sim = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7, faults: { dropRate: 0.3 } });
  ({ url } = await sim.listen(0));
});
afterAll(async () => {
  await sim.close();
  await rm(root, { recursive: true, force: true });
});

function spec(provider: 'openai' | 'ollama', maxRetries: number): unknown {
  const backend = provider === 'openai' ? { provider, model: 'qwen2.5:7b', baseUrl: `${url}/v1`, maxRetries } : { provider, model: 'qwen2.5:7b', hosts: [url], maxRetries };
  return {
    seed: 5,
    datasets: [{ name: 'people', count: 80, batchSize: 20, recordsPerCall: 5, fields: { id: { kind: 'sequence' }, bio: { kind: 'llm', prompt: 'one sentence about them', maxLength: 80 } } }],
    stages: { generate: { backend: 'q', repairAttempts: 0 } },
    backends: { q: backend },
  };
}

async function lines(file: string): Promise<string[]> {
  return existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean) : [];
}

/** The run's files agree with its manifest: every count is on disk, nothing lost. */
async function expectAccounted(out: string): Promise<Manifest> {
  const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  let rejected = 0;
  for (const [name, d] of Object.entries(m.datasets)) {
    expect(d.written + d.rejected, `${name}: written + rejected`).toBe(d.requested);
    expect(await lines(join(out, `${name}.jsonl`))).toHaveLength(d.written);
    rejected += d.rejected;
  }
  expect(await lines(join(out, 'rejects.jsonl'))).toHaveLength(rejected);
  expect(m.rejects.rows).toBe(rejected);
  return m;
}

describe('sim --fault drop=0.3', () => {
  it.for(['openai', 'ollama'] as const)('%s provider: dropped answers are retried, the run completes with every record', async (provider) => {
    const file = join(root, `${provider}.json`);
    await writeFile(file, JSON.stringify(spec(provider, 8)));
    const out = join(root, `${provider}-out`);
    const res = await synthfarm(['run', file, '--out', out, '--no-cache', '--json']);
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const m = await expectAccounted(out);
    expect(m.status).toBe('completed');
    expect(m.datasets.people).toMatchObject({ requested: 80, written: 80, rejected: 0 });
    expect((m.backends.q as { retries: number }).retries).toBeGreaterThan(0);
  });

  it('openai provider with no retries: dropped calls become rejects, which rejects.jsonl holds', async () => {
    const file = join(root, 'no-retries.json');
    await writeFile(file, JSON.stringify(spec('openai', 0)));
    const out = join(root, 'no-retries-out');
    const res = await synthfarm(['run', file, '--out', out, '--no-cache', '--json', '--max-rejects', '100%']);
    expect(stackLines(res.stderr)).toEqual([]);
    expect(res.code).toBe(0);
    const m = await expectAccounted(out);
    expect(m.datasets.people!.rejected).toBeGreaterThan(0);
    for (const r of (await lines(join(out, 'rejects.jsonl'))).map((l) => JSON.parse(l) as { error: string })) expect(r.error).toMatch(/connection failed|cut off/);
  });
});
