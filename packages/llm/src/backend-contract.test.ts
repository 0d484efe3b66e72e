/**
 * The contract every LlmBackend implementation passes, run against the simulated Ollama host:
 * ollama through /api/chat, openai through the sim's /v1 layer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BackendUnavailable, RetryableBackendError } from '@synthfarm/core';
import type { SimOptionsInput, SimServer } from '@synthfarm/sim';
import type { BackendSpec } from '@synthfarm/spec';
import { BIO_SCHEMA, FAST_DEPS, MODEL, closedPort, specFor, startSim } from '../test/sim-fixtures.js';
import type { BackendDeps } from './backend-deps.js';
import type { LlmBackend } from './llm-backend.js';
import { createOllamaBackend } from './ollama-backend.js';
import { createOpenAiBackend } from './openai-backend.js';

const Records = z.object({ records: z.array(z.object({ bio: z.string().max(80) })).length(5) });

interface Impl {
  provider: 'ollama' | 'openai';
  create: (name: string, spec: BackendSpec, deps: BackendDeps) => LlmBackend;
  /** The URL check() reads for a host at `url`. */
  checkUrl: (url: string) => string;
}

const impls: Impl[] = [
  { provider: 'ollama', create: createOllamaBackend, checkUrl: (u) => `${u}/api/tags` },
  { provider: 'openai', create: createOpenAiBackend, checkUrl: (u) => `${u}/v1/models` },
];

describe.each(impls)('LlmBackend contract: $provider', ({ provider, create, checkUrl }) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(simOpts: SimOptionsInput = {}, specOver: Record<string, unknown> = {}, deps: BackendDeps = {}) {
    const { sim, url } = await startSim(simOpts);
    cleanup.push(() => sim.close());
    const backend = create('fast', specFor(provider, url, specOver), { ...FAST_DEPS, ...deps });
    cleanup.push(() => backend.close());
    return { sim, url, backend };
  }
  const chatCalls = (sim: SimServer): number =>
    sim.stats().requests[provider === 'ollama' ? 'POST /api/chat' : 'POST /v1/chat/completions'] ?? 0;

  it('passes check() and returns structured output that matches the schema, with tokens, latency and cost counted', async () => {
    const { backend, url } = await setup({ tokensPerSecond: 4_000 }, { costPer1kInput: 1, costPer1kOutput: 2 });
    await backend.check();
    expect(backend.provider).toBe(provider);
    expect(backend.model).toBe(MODEL);

    const res = await backend.generate({ system: 'You write customer bios.', prompt: 'Write 5 short bios.', schema: BIO_SCHEMA, seed: 7 });
    expect(Records.parse(JSON.parse(res.text)).records).toHaveLength(5);
    expect(res.truncated).toBe(false);
    expect(res.cached).toBe(false);
    expect(res.tokensIn).toBeGreaterThan(0);
    expect(res.tokensOut).toBeGreaterThan(0);
    expect(res.latencyMs).toBeGreaterThan(0);
    expect(res.host.startsWith(url)).toBe(true);

    const s = backend.stats();
    expect(s).toMatchObject({ calls: 1, failures: 0, retries: 0, tokensIn: res.tokensIn, tokensOut: res.tokensOut });
    expect(s.cost).toBeCloseTo(res.tokensIn / 1000 + (2 * res.tokensOut) / 1000, 10);
    expect(s.latencyMs.p50).toBeGreaterThan(0);
    expect(s.latencyMs.p95).toBeGreaterThanOrEqual(s.latencyMs.p50);
    const host = s.hosts[res.host];
    expect(host).toMatchObject({ calls: 1, failures: 0, tokensOut: res.tokensOut, circuit: 'closed' });
    expect(host?.busyMs).toBeGreaterThan(0);
  });

  it('check() on a model the host does not serve throws BackendUnavailable naming the URL and the model', async () => {
    const { backend, url } = await setup({}, { model: 'nope:1b' });
    const err = await backend.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailable);
    expect((err as Error).message).toContain(checkUrl(url));
    expect((err as Error).message).toContain('"nope:1b"');
    expect((err as Error).message).toContain(`[backend:fast ${provider === 'ollama' ? url : `${url}/v1`}]`);
  });

  it('check() on a closed port throws BackendUnavailable naming the URL and how to start a host', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const backend = create('fast', specFor(provider, url), FAST_DEPS);
    cleanup.push(() => backend.close());
    const err = await backend.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailable);
    expect((err as Error).message).toContain(checkUrl(url));
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect((err as Error).message).toContain(`synthfarm sim --port ${port}`);
    expect(backend.stats().hosts[provider === 'ollama' ? url : `${url}/v1`]?.circuit).toBe('open');
  });

  it('reports truncation when the output cap is hit', async () => {
    const { backend } = await setup();
    const res = await backend.generate({ prompt: 'Write 5 short bios.', schema: BIO_SCHEMA, maxTokens: 3 });
    expect(res.truncated).toBe(true);
    expect(res.tokensOut).toBeLessThanOrEqual(3);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('applies the spec maxTokens when the request sets none', async () => {
    const { backend } = await setup({}, { maxTokens: 4 });
    const res = await backend.generate({ prompt: 'Write 5 short bios.', schema: BIO_SCHEMA });
    expect(res.truncated).toBe(true);
    expect(backend.requestDefaults).toEqual({ maxTokens: 4 });
  });

  it('retries 500s (errorRate 0.5) until every call succeeds, counting the retries', async () => {
    const { backend, sim } = await setup({ faults: { errorRate: 0.5 } }, { maxRetries: 15 });
    for (let i = 0; i < 10; i++) {
      const res = await backend.generate({ prompt: `bios ${i}`, schema: BIO_SCHEMA, seed: i });
      expect(Records.parse(JSON.parse(res.text)).records).toHaveLength(5);
    }
    const errors = sim.stats().faults.error;
    expect(errors).toBeGreaterThan(0);
    const s = backend.stats();
    expect(s).toMatchObject({ calls: 10, failures: 0, retries: errors });
    expect(Object.values(s.hosts)[0]?.failures).toBe(errors);
  });

  it('retries 503 "server busy" when the host queue is full', async () => {
    // The sim runs one request and queues none, the backend sends four at once: three get 503.
    const { backend, sim } = await setup({ slots: 1, maxQueue: 0, tokensPerSecond: 2_000 }, { slots: 4, maxRetries: 20 });
    const results = await Promise.all([0, 1, 2, 3].map((i) => backend.generate({ prompt: `bios ${i}`, schema: BIO_SCHEMA, maxTokens: 40 })));
    expect(results).toHaveLength(4);
    expect(sim.stats().rejectedBusy).toBeGreaterThan(0);
    const s = backend.stats();
    expect(s.retries).toBe(sim.stats().rejectedBusy);
    expect(s.failures).toBe(0);
    // Busy is load, not breakage: the circuit stays closed.
    expect(Object.values(s.hosts)[0]?.circuit).toBe('closed');
    expect(chatCalls(sim)).toBe(4 + s.retries);
  });

  it('enforces timeoutMs on a hung request and recovers once the host answers', async () => {
    const { backend, sim } = await setup({ faults: { hangRate: 1 } }, { timeoutMs: 300, maxRetries: 0 });
    const t0 = performance.now();
    const err = await backend.generate({ prompt: 'bios', schema: BIO_SCHEMA }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableBackendError);
    expect((err as Error).message).toMatch(/no answer within 300 ms \(timeoutMs\)/);
    expect(performance.now() - t0).toBeLessThan(2_000);
    sim.setFaults({ hangRate: 0 });
    const res = await backend.generate({ prompt: 'bios', schema: BIO_SCHEMA });
    expect(Records.parse(JSON.parse(res.text)).records).toHaveLength(5);
    expect(backend.stats()).toMatchObject({ calls: 2, failures: 1 });
  });

  it('does not retry a model the host answers 404 for, and says how to get it', async () => {
    const { backend, sim } = await setup({ faults: { missingModels: [MODEL] } });
    const err = await backend.generate({ prompt: 'bios' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailable);
    expect((err as Error).message).toContain(`model "${MODEL}" is not served here`);
    expect(chatCalls(sim)).toBe(1);
    expect(backend.stats()).toMatchObject({ calls: 1, failures: 1, retries: 0 });
  });

  it('stops at once when the caller aborts', async () => {
    const { backend } = await setup({ faults: { hangRate: 1 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = performance.now();
    const err = await backend.generate({ prompt: 'bios' }, { signal: ac.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(backend.stats()).toMatchObject({ calls: 1, failures: 1, retries: 0 });
  });
});
