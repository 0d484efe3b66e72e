import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimServer } from '@synthfarm/sim';
import { BIO_SCHEMA, FAST_DEPS, specFor, startSim } from '../test/sim-fixtures.js';
import type { LlmBackend } from './llm-backend.js';
import { createOllamaBackend } from './ollama-backend.js';
import { responseCacheKey, withResponseCache } from './response-cache.js';

describe('response cache', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(): Promise<{ sim: SimServer; dir: string; make: () => LlmBackend }> {
    const { sim, url } = await startSim();
    const dir = await mkdtemp(join(tmpdir(), 'llm-cache-'));
    cleanup.push(() => sim.close(), () => rm(dir, { recursive: true, force: true }));
    const make = (): LlmBackend => {
      const b = withResponseCache(createOllamaBackend('fast', specFor('ollama', url), FAST_DEPS), dir);
      cleanup.push(() => b.close());
      return b;
    };
    return { sim, dir, make };
  }
  const chatCalls = (sim: SimServer): number => sim.stats().requests['POST /api/chat'] ?? 0;

  it('answers a repeated request from disk with no server call and identical text', async () => {
    const { sim, dir, make } = await setup();
    const backend = make();
    const req = { system: 'You write bios.', prompt: 'Write 5 bios.', schema: BIO_SCHEMA, seed: 3 };
    const first = await backend.generate(req);
    expect(first.cached).toBe(false);
    // Same request, keys in another order: same key.
    const second = await backend.generate({ seed: 3, schema: { ...BIO_SCHEMA }, prompt: 'Write 5 bios.', system: 'You write bios.' });
    expect(second).toMatchObject({ cached: true, text: first.text, tokensIn: first.tokensIn, tokensOut: first.tokensOut, truncated: false });
    expect(chatCalls(sim)).toBe(1);
    expect(backend.stats()).toMatchObject({ calls: 1, cacheHits: 1 });

    // The entry sits at dir/<first2>/<key>.json, with no temp file left behind.
    const key = responseCacheKey(backend, req);
    expect(await readdir(join(dir, key.slice(0, 2)))).toEqual([`${key}.json`]);

    // A rerun (a new backend on the same directory) is free too.
    const rerun = make();
    expect((await rerun.generate(req)).text).toBe(first.text);
    expect(chatCalls(sim)).toBe(1);

    // A different request is a miss.
    await backend.generate({ ...req, seed: 4 });
    expect(chatCalls(sim)).toBe(2);
  });

  it('does not store truncated answers', async () => {
    const { sim, make } = await setup();
    const backend = make();
    const req = { prompt: 'Write 5 bios.', schema: BIO_SCHEMA, maxTokens: 3 };
    expect((await backend.generate(req)).truncated).toBe(true);
    expect((await backend.generate(req)).cached).toBe(false);
    expect(chatCalls(sim)).toBe(2);
  });

  it('treats an unreadable entry as a miss and replaces it', async () => {
    const { sim, dir, make } = await setup();
    const backend = make();
    const req = { prompt: 'Write 5 bios.' };
    const first = await backend.generate(req);
    const key = responseCacheKey(backend, req);
    await writeFile(join(dir, key.slice(0, 2), `${key}.json`), '{"v":1,"resp');
    expect((await backend.generate(req)).cached).toBe(false);
    const third = await backend.generate(req);
    expect(third).toMatchObject({ cached: true, text: first.text });
    expect(chatCalls(sim)).toBe(2);
  });

  it('keys on provider, model and the backend defaults a request inherits', () => {
    const base = { provider: 'ollama' as const, model: 'gemma3:4b' };
    const req = { prompt: 'p' };
    const k = responseCacheKey(base, req);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(responseCacheKey({ ...base, provider: 'openai' }, req)).not.toBe(k);
    expect(responseCacheKey({ ...base, model: 'llama3.2:3b' }, req)).not.toBe(k);
    expect(responseCacheKey({ ...base, requestDefaults: { temperature: 0.2 } }, req)).not.toBe(k);
    // A default equal to what the request says itself is the same request.
    expect(responseCacheKey({ ...base, requestDefaults: { temperature: 0.2 } }, req)).toBe(responseCacheKey(base, { ...req, temperature: 0.2 }));
  });
});
