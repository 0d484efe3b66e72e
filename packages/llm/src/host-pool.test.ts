import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailable, RetryableBackendError } from '@synthfarm/core';
import { BIO_SCHEMA, FAST_DEPS, MODEL, closedPort, startSim } from '../test/sim-fixtures.js';
import { BackendSchema } from '@synthfarm/spec';
import { createHostPool, type HostPool } from './host-pool.js';
import { createOllamaBackend } from './ollama-backend.js';
import { isHostFault } from './pooled-backend.js';

/** A promise with its resolve exposed, to hold a slot until the test lets go. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
const down = (): Promise<never> => Promise.reject(new RetryableBackendError('[test] connection refused'));

function pool(hosts: string[], slots: number, over: { threshold?: number; cooldownMs?: number } = {}): HostPool {
  return createHostPool({
    hosts,
    slots,
    breakerThreshold: over.threshold ?? 5,
    breakerCooldownMs: over.cooldownMs ?? 10_000,
    isHostFault,
    prefix: '[backend:test]',
  });
}

describe('host pool (unit)', () => {
  it('sends work to the host with the most free slots and queues the rest first come, first served', async () => {
    const p = pool(['a', 'b'], 2);
    const holds: Array<{ host: string; d: ReturnType<typeof deferred> }> = [];
    const run = (label: string, order: string[]) =>
      p.use(async (host) => {
        order.push(`${label}@${host}`);
        const d = deferred();
        holds.push({ host, d });
        await d.promise;
      });
    const order: string[] = [];
    const running = ['1', '2', '3', '4', '5', '6'].map((l) => run(l, order));
    await tick();
    // Four slots, four starts, two per host; 5 and 6 wait.
    expect(order.filter((o) => o.endsWith('@a'))).toHaveLength(2);
    expect(order.filter((o) => o.endsWith('@b'))).toHaveLength(2);
    expect(order).toHaveLength(4);
    holds.find((h) => h.host === 'b')?.d.resolve();
    await tick();
    expect(order.slice(4)).toEqual(['5@b']);
    holds.find((h) => h.host === 'a')?.d.resolve();
    await tick();
    expect(order.slice(5)).toEqual(['6@a']);
    for (const h of holds) h.d.resolve();
    await Promise.all(running);
    p.close();
  });

  it('moves a retry to a host it has not failed on, waiting for that host rather than reusing the failed one', async () => {
    const p = pool(['a', 'b'], 1);
    const hold = deferred();
    const busyA = p.use(async (host) => {
      expect(host).toBe('a'); // tie: the first host
      await hold.promise;
    });
    // `a` is busy: a request avoiding `b` waits for `a` although `b` is free.
    const seen: string[] = [];
    const retry = p.use(async (host) => void seen.push(host), { avoid: new Set(['b']) });
    await tick();
    expect(seen).toEqual([]);
    hold.resolve();
    await Promise.all([busyA, retry]);
    expect(seen).toEqual(['a']);
    // With every other host unusable, the avoided host is used after all.
    p.markDown('a');
    await p.use(async (host) => void seen.push(host), { avoid: new Set(['b']) });
    expect(seen).toEqual(['a', 'b']);
    p.close();
  });

  it('opens a failing host\'s circuit and sends the work to the others', async () => {
    const p = pool(['bad', 'good'], 2, { threshold: 3 });
    const used: string[] = [];
    for (let i = 0; i < 10; i++) {
      await p
        .use(async (host) => {
          used.push(host);
          if (host === 'bad') return down();
        })
        .catch(() => undefined);
    }
    expect(used.filter((h) => h === 'bad')).toHaveLength(3);
    expect(used.slice(-4)).toEqual(['good', 'good', 'good', 'good']);
    expect(p.circuit('bad')).toBe('open');
    expect(p.circuit('good')).toBe('closed');
    p.close();
  });

  it('lets one probe through after the cooldown and closes the circuit when it succeeds', async () => {
    const p = pool(['a'], 2, { threshold: 1, cooldownMs: 100 });
    await expect(p.use(down)).rejects.toBeInstanceOf(RetryableBackendError);
    expect(p.circuit('a')).toBe('open');
    const t0 = performance.now();
    await p.use(async () => undefined);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    expect(p.circuit('a')).toBe('closed');
    p.close();
  });

  it('when every circuit is open, fails with BackendUnavailable after waiting at most the cooldown', async () => {
    const p = pool(['a'], 2, { threshold: 1, cooldownMs: 300 });
    await expect(p.use(down)).rejects.toBeInstanceOf(RetryableBackendError);
    const t0 = performance.now();
    // Two requests wait: one becomes the half-open probe (and fails), the other gives up.
    const [probe, waiter] = await Promise.allSettled([p.use(down), p.use(async () => 'never')]);
    const waited = performance.now() - t0;
    expect(probe.status === 'rejected' && probe.reason).toBeInstanceOf(RetryableBackendError);
    expect(waiter.status === 'rejected' && waiter.reason).toBeInstanceOf(BackendUnavailable);
    expect(waiter.status === 'rejected' && (waiter.reason as Error).message).toMatch(
      /^\[backend:test\] no usable host after waiting 300 ms \(breakerCooldownMs\): a circuit open: \[test\] connection refused$/,
    );
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(800);
    p.close();
  });

  it('fails at once when every host is marked down, and readmits a host marked up', async () => {
    const p = pool(['a', 'b'], 1);
    p.markDown('a');
    p.markDown('b');
    await expect(p.use(async () => 1)).rejects.toThrow(/all marked down by check\(\)/);
    expect(p.circuit('a')).toBe('open');
    p.markUp('b');
    await expect(p.use(async (h) => h)).resolves.toBe('b');
    p.close();
  });

  it('counts only host faults against the circuit: 503 busy and 429 do not open it', async () => {
    const p = pool(['a'], 1, { threshold: 2 });
    for (const status of [503, 429, 503, 429]) {
      await p.use(() => Promise.reject(new RetryableBackendError(`[test] ${status}`, { status }))).catch(() => undefined);
    }
    expect(p.circuit('a')).toBe('closed');
    for (const status of [500, 502]) {
      await p.use(() => Promise.reject(new RetryableBackendError(`[test] ${status}`, { status }))).catch(() => undefined);
    }
    expect(p.circuit('a')).toBe('open');
    p.close();
  });
});

describe('host pool with simulated hosts', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it.each([
    ['closed', async () => `http://127.0.0.1:${await closedPort()}`],
    [
      'erroring',
      async () => {
        const { sim, url } = await startSim({ faults: { errorRate: 1 } });
        cleanup.push(() => sim.close());
        return url;
      },
    ],
  ])('with one host %s, every call succeeds on the other and the bad host\'s circuit opens', async (_kind, badHost) => {
    const bad = await badHost();
    const { sim, url: good } = await startSim({ tokensPerSecond: 4_000 });
    cleanup.push(() => sim.close());
    const backend = createOllamaBackend('fast', BackendSchema.parse({ provider: 'ollama', model: MODEL, hosts: [bad, good], slots: 2 }), FAST_DEPS);
    cleanup.push(() => backend.close());

    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => backend.generate({ prompt: `bios ${i}`, schema: BIO_SCHEMA })));
    expect(results.every((r) => r.host === good)).toBe(true);
    const s = backend.stats();
    expect(s).toMatchObject({ calls: 16, failures: 0 });
    expect(s.retries).toBeGreaterThanOrEqual(5);
    expect(s.hosts[bad]).toMatchObject({ circuit: 'open', failures: s.hosts[bad]?.calls });
    expect(s.hosts[bad]?.calls).toBeGreaterThanOrEqual(5);
    expect(s.hosts[good]).toMatchObject({ circuit: 'closed', calls: 16, failures: 0 });
  });

  it('check() marks an unreachable host down and passes while another serves the model', async () => {
    const bad = `http://127.0.0.1:${await closedPort()}`;
    const { sim, url: good } = await startSim();
    cleanup.push(() => sim.close());
    const backend = createOllamaBackend('fast', BackendSchema.parse({ provider: 'ollama', model: MODEL, hosts: [bad, good] }), FAST_DEPS);
    cleanup.push(() => backend.close());
    await backend.check();
    await Promise.all([1, 2, 3, 4].map((i) => backend.generate({ prompt: `bios ${i}` })));
    const s = backend.stats();
    expect(s.hosts[bad]).toMatchObject({ calls: 0, circuit: 'open' });
    expect(s.hosts[good]).toMatchObject({ calls: 4, circuit: 'closed' });
  });

  it('balances concurrent calls over both hosts by free slots, never above a host\'s slots', async () => {
    const a = await startSim({ tokensPerSecond: 2_000 });
    const b = await startSim({ tokensPerSecond: 2_000 });
    cleanup.push(() => a.sim.close(), () => b.sim.close());
    const backend = createOllamaBackend('fast', BackendSchema.parse({ provider: 'ollama', model: MODEL, hosts: [a.url, b.url], slots: 2 }), FAST_DEPS);
    cleanup.push(() => backend.close());
    await Promise.all(Array.from({ length: 12 }, (_, i) => backend.generate({ prompt: `bios ${i}`, schema: BIO_SCHEMA })));
    for (const { sim, url } of [a, b]) {
      const st = sim.stats();
      expect(st.requests['POST /api/chat']).toBeGreaterThanOrEqual(4);
      expect(st.maxConcurrent).toBe(2);
      expect(st.maxQueued).toBe(0);
      expect(backend.stats().hosts[url]?.calls).toBe(st.requests['POST /api/chat']);
    }
  });
});
