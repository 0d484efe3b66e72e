import { describe, expect, it } from 'vitest';
import { BackendUnavailable, RetryableBackendError } from '@synthfarm/core';
import { withRetries } from './retry.js';
import { parseRetryAfter } from './retry-after.js';

/** A function failing with `errors` in turn, then answering 'ok'; records when each attempt ran. */
function flaky(errors: unknown[]): { fn: (attempt: number) => Promise<string>; times: number[]; attempts: number[] } {
  const times: number[] = [];
  const attempts: number[] = [];
  return {
    times,
    attempts,
    fn: async (attempt) => {
      times.push(performance.now());
      attempts.push(attempt);
      const err = errors.shift();
      if (err) throw err;
      return 'ok';
    },
  };
}

describe('withRetries', () => {
  it('waits at least the Retry-After the server asked for', async () => {
    const f = flaky([new RetryableBackendError('[test] 429', { status: 429, retryAfterMs: 250 })]);
    const delays: number[] = [];
    await expect(withRetries(f.fn, { maxRetries: 3, baseMs: 1, onRetry: (i) => delays.push(i.delayMs) })).resolves.toBe('ok');
    expect(f.attempts).toEqual([1, 2]);
    expect(delays).toEqual([250]);
    expect((f.times[1] ?? 0) - (f.times[0] ?? 0)).toBeGreaterThanOrEqual(245);
  });

  it('backs off exponentially with full jitter, within base·2^(n-1)', async () => {
    const errs = Array.from({ length: 5 }, () => new RetryableBackendError('[test] 503', { status: 503 }));
    const delays: number[] = [];
    await withRetries(flaky(errs).fn, { maxRetries: 5, baseMs: 8, maxMs: 1_000, onRetry: (i) => delays.push(i.delayMs) });
    expect(delays).toHaveLength(5);
    delays.forEach((d, n) => {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(8 * 2 ** n);
    });
  });

  it('gives up after maxRetries and rethrows the last error', async () => {
    const last = new RetryableBackendError('[test] last', { status: 500 });
    const f = flaky([new RetryableBackendError('[test] first', { status: 500 }), last, new RetryableBackendError('[test] unused')]);
    await expect(withRetries(f.fn, { maxRetries: 1, baseMs: 1 })).rejects.toBe(last);
    expect(f.attempts).toEqual([1, 2]);
  });

  it('does not retry errors that are not retryable', async () => {
    const f = flaky([new BackendUnavailable('[test] 404 model not found'), new Error('unused')]);
    await expect(withRetries(f.fn, { maxRetries: 5, baseMs: 1 })).rejects.toBeInstanceOf(BackendUnavailable);
    expect(f.attempts).toEqual([1]);
  });

  it('fails at once when the server asks for longer than maxRetryAfterMs', async () => {
    const f = flaky([new RetryableBackendError('[test] 429', { status: 429, retryAfterMs: 60_000 })]);
    const t0 = performance.now();
    await expect(withRetries(f.fn, { maxRetries: 3, maxRetryAfterMs: 1_000 })).rejects.toBeInstanceOf(RetryableBackendError);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('stops waiting between attempts when aborted', async () => {
    const f = flaky([new RetryableBackendError('[test] 429', { status: 429, retryAfterMs: 5_000 })]);
    const t0 = performance.now();
    await expect(withRetries(f.fn, { maxRetries: 3, signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    [{ 'retry-after': '2' }, 2_000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }, 3_000],
    [{ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, 0],
    [{ 'retry-after-ms': '750', 'retry-after': '9' }, 750],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%o → %s ms', (headers, expected) => {
    expect(parseRetryAfter(new Headers(headers), now)).toBe(expected);
  });
});
