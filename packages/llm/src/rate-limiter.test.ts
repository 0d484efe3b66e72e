import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './rate-limiter.js';

describe('memory rate limiter', () => {
  it('lets a burst of rpm requests through, then spaces the rest at window/rpm', async () => {
    const limiter = createMemoryRateLimiter({ rpm: 3, windowMs: 300 });
    const t0 = performance.now();
    const at: number[] = [];
    for (let i = 0; i < 6; i++) {
      await limiter.acquire(0);
      at.push(performance.now() - t0);
    }
    expect(at.slice(0, 3).every((t) => t < 30)).toBe(true);
    // One request per 100 ms after the burst.
    expect(at[3]).toBeGreaterThanOrEqual(90);
    expect(at[5]).toBeGreaterThanOrEqual(280);
    expect(at[5]).toBeLessThan(600);
  });

  it('limits tokens per window (tpm) and serves waiters in arrival order', async () => {
    const limiter = createMemoryRateLimiter({ tpm: 100, windowMs: 200 });
    const t0 = performance.now();
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        limiter.acquire(60).then(() => order.push(`${id}@${Math.round((performance.now() - t0) / 10) * 10}`)),
      ),
    );
    expect(order.map((o) => o.split('@')[0])).toEqual(['a', 'b', 'c']);
    const times = order.map((o) => Number(o.split('@')[1]));
    expect(times[0]).toBeLessThan(30);
    // b needs 20 more tokens (40 ms at 0.5 token/ms), c 60 more (120 ms).
    expect(times[1]).toBeGreaterThanOrEqual(30);
    expect(times[2]).toBeGreaterThanOrEqual(140);
  });

  it('waits for a full bucket, not forever, when one request needs more than the whole tpm', async () => {
    const limiter = createMemoryRateLimiter({ tpm: 10, windowMs: 100 });
    await limiter.acquire(1_000);
    await expect(limiter.acquire(1_000)).resolves.toBeUndefined();
  });

  it('rejects an aborted waiter at once and keeps serving the others', async () => {
    const limiter = createMemoryRateLimiter({ rpm: 1, windowMs: 200 });
    await limiter.acquire(0);
    const ac = new AbortController();
    const aborted = limiter.acquire(0, ac.signal);
    const next = limiter.acquire(0);
    ac.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const t0 = performance.now();
    await next;
    expect(performance.now() - t0).toBeLessThan(400);
  });

  it('is a no-op without limits', async () => {
    const limiter = createMemoryRateLimiter({});
    const t0 = performance.now();
    for (let i = 0; i < 1_000; i++) await limiter.acquire(1e9);
    expect(performance.now() - t0).toBeLessThan(100);
  });
});
