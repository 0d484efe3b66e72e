import { describe, expect, it } from 'vitest';
import { SlotPool } from './slot-pool.js';

/** A clock the test moves by hand, so busy time is asserted exactly. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('SlotPool', () => {
  it('serves up to `slots` at once and queues the rest in FIFO order', async () => {
    const pool = new SlotPool(2, 10);
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(a.ok && b.ok).toBe(true);
    const order: string[] = [];
    const c = pool.acquire().then((r) => (order.push('c'), r));
    const d = pool.acquire().then((r) => (order.push('d'), r));
    expect(pool.inUse).toBe(2);
    expect(pool.queued).toBe(2);
    if (a.ok) a.lease.release();
    if (b.ok) b.lease.release();
    await Promise.all([c, d]);
    expect(order).toEqual(['c', 'd']);
    expect(pool.counters()).toEqual({ maxConcurrent: 2, maxQueued: 2, rejectedBusy: 0 });
  });

  it('answers busy once maxQueue requests are waiting', async () => {
    const pool = new SlotPool(1, 1);
    await pool.acquire();
    void pool.acquire();
    await expect(pool.acquire()).resolves.toEqual({ ok: false, reason: 'busy' });
    await expect(pool.acquire()).resolves.toEqual({ ok: false, reason: 'busy' });
    expect(pool.counters().rejectedBusy).toBe(2);
  });

  it('maxQueue 0 refuses everything beyond the slots', async () => {
    const pool = new SlotPool(1, 0);
    expect((await pool.acquire()).ok).toBe(true);
    expect(await pool.acquire()).toEqual({ ok: false, reason: 'busy' });
  });

  it('an aborted waiter leaves the queue and the next one gets the slot', async () => {
    const pool = new SlotPool(1, 5);
    const first = await pool.acquire();
    const ctrl = new AbortController();
    const gone = pool.acquire(ctrl.signal);
    const next = pool.acquire();
    ctrl.abort();
    await expect(gone).resolves.toEqual({ ok: false, reason: 'aborted' });
    expect(pool.queued).toBe(1);
    if (first.ok) first.lease.release();
    expect((await next).ok).toBe(true);
  });

  it('measures busy slot-time exactly, including slots held now, and resets the window', async () => {
    const clock = fakeClock();
    const pool = new SlotPool(2, 0, clock.now);
    const a = await pool.acquire();
    const b = await pool.acquire();
    clock.advance(100);
    if (a.ok) a.lease.release();
    if (a.ok) a.lease.release(); // idempotent
    clock.advance(50);
    expect(pool.busyMs()).toBe(250); // a: 100, b: 150 and still running
    pool.resetCounters();
    clock.advance(30);
    if (b.ok) b.lease.release();
    expect(pool.busyMs()).toBe(30); // only the part after the reset
    expect(pool.counters()).toEqual({ maxConcurrent: 1, maxQueued: 0, rejectedBusy: 0 });
  });

  it('drain() refuses every waiter', async () => {
    const pool = new SlotPool(1, 5);
    await pool.acquire();
    const w = pool.acquire();
    pool.drain();
    await expect(w).resolves.toEqual({ ok: false, reason: 'aborted' });
  });
});
