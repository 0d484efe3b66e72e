import { describe, expect, it } from 'vitest';
import { oneAtATime } from './one-at-a-time.js';

describe('oneAtATime', () => {
  it('runs calls one after another in call order, though each awaits in between', async () => {
    const log: string[] = [];
    const task = oneAtATime(async (name: string) => {
      for (let step = 0; step < 3; step++) {
        log.push(`${name}${step}`);
        await new Promise((r) => setImmediate(r));
      }
      return name;
    });
    const done: string[] = [];
    await Promise.all(['a', 'b', 'c'].map((n) => task(n).then((r) => done.push(r))));
    expect(log).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0', 'c1', 'c2']);
    expect(done).toEqual(['a', 'b', 'c']);
  });

  it('idle() settles once every call made so far has, failed ones too', async () => {
    const done: number[] = [];
    const task = oneAtATime(async (n: number, fail: boolean) => {
      await new Promise((r) => setImmediate(r));
      done.push(n);
      if (fail) throw new Error(String(n));
    });
    void task(1, false);
    task(2, true).catch(() => undefined);
    await task.idle();
    expect(done).toEqual([1, 2]);
  });

  it("a failed call fails alone: the next one runs", async () => {
    const task = oneAtATime(async (n: number) => {
      if (n === 1) throw new Error('one');
      return n;
    });
    const results = await Promise.allSettled([task(0), task(1), task(2)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 'one', 2]);
  });
});
