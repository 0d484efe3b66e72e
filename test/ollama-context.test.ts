// Ollama cuts a prompt longer than the model's context window (num_ctx) without an error, keeping
// half the window (ollama/ollama#17427), and 25-record calls with long facts exceed its default.
// The backend sizes num_ctx from each call, detects an answer to a cut prompt from its
// prompt_eval_count, and the writer splits the call; `synthfarm sim` cuts prompts the same way.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimServer, type SimServer } from '@synthfarm/sim';
import { synthfarm } from './support/cli.js';

let root: string;
const sims: SimServer[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthfarm-ollama-ctx-'));
});
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

async function startSim(): Promise<{ sim: SimServer; url: string }> {
  const sim = createSimServer({ tokensPerSecond: 1e6, promptTokensPerSecond: 1e7 });
  sims.push(sim);
  return { sim, url: (await sim.listen(0)).url };
}

const chats = (sim: SimServer): number => sim.stats().requests['POST /api/chat'] ?? 0;

/** 100 tickets, 25 per call, each carrying ~600 characters of facts: ~4,000 prompt tokens a call. */
const spec = (url: string, numCtx?: number) => `version: 1
seed: 5
name: tickets
count: 100
batchSize: 100
recordsPerCall: 25
fields:
  id:      { kind: sequence, start: 1 }
  history: { kind: faker, method: lorem.paragraph, args: [12] }
  summary: { kind: llm, prompt: "a one-line summary of this customer's history", maxLength: 80 }
backends:
  local: { provider: ollama, model: "gemma3:4b", hosts: ["${url}"]${numCtx ? `, numCtx: ${numCtx}` : ''} }
`;

describe('Ollama context window', () => {
  it('the sim cuts a prompt longer than num_ctx as Ollama does: num_ctx/2 + 2 tokens evaluated, no error', async () => {
    const { url } = await startSim();
    const long = 'word '.repeat(4000);
    const res = await fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'gemma3:4b', stream: false, messages: [{ role: 'user', content: long }], options: { num_ctx: 1024 } }) });
    expect(res.status).toBe(200);
    expect((await res.json()).prompt_eval_count).toBe(514);
    const fits = await fetch(`${url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'gemma3:4b', stream: false, messages: [{ role: 'user', content: long }], options: { num_ctx: 8192 } }) });
    expect((await fits.json()).prompt_eval_count).toBe(5000);
  });

  it('num_ctx is sized from each call: four 25-record calls, none cut', async () => {
    const { sim, url } = await startSim();
    const file = join(root, 'auto.yaml');
    await writeFile(file, spec(url));
    const r = await synthfarm(['run', file, '--out', join(root, 'auto'), '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(chats(sim)).toBe(4);
  });

  it('a window too small for the call: the cut is detected and calls are split until they fit; every record is written', async () => {
    const { sim, url } = await startSim();
    const file = join(root, 'small.yaml');
    await writeFile(file, spec(url, 1024));
    const out = join(root, 'small');
    const r = await synthfarm(['run', file, '--out', out, '--no-cache']);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.datasets.tickets).toMatchObject({ written: 100, rejected: 0 });
    // 4 calls of 25 were cut, then halves of 13/12, quarters…: many more calls, all answered.
    expect(chats(sim)).toBeGreaterThan(16);
  });
});
