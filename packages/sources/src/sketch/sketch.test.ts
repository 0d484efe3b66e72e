import { describe, expect, it } from 'vitest';
import { hash53 } from '@synthfarm/core';
import { BloomFilter } from './bloom-filter.js';
import { HyperLogLog } from './hyper-log-log.js';
import { KllSketch } from './kll-sketch.js';

describe('KllSketch', () => {
  it('quantiles of 200,000 skewed values within ±1% rank, with O(k) items retained', () => {
    const s = new KllSketch();
    const xs: number[] = [];
    let seed = 1;
    for (let i = 0; i < 200_000; i++) {
      seed = (seed * 48271) % 2147483647;
      const x = Math.exp((seed / 2147483647) * 5);
      xs.push(x);
      s.add(x);
    }
    xs.sort((a, b) => a - b);
    const q = s.quantiles(100);
    expect(q[0]).toBe(xs[0]);
    expect(q[100]).toBe(xs.at(-1));
    for (let p = 5; p < 100; p += 5) {
      const rank = xs.filter((x) => x <= q[p]!).length / xs.length;
      expect(Math.abs(rank - p / 100)).toBeLessThan(0.01);
    }
    expect(s.retained).toBeLessThan(2000);
  });

  it('is exact for a few values', () => {
    const s = new KllSketch();
    [5, 1, 3].forEach((x) => s.add(x));
    expect(s.quantiles(2)).toEqual([1, 3, 5]);
  });
});

describe('HyperLogLog', () => {
  it.each([100, 10_000, 300_000])('%i distinct values within ±3%', (n) => {
    const h = new HyperLogLog();
    for (let i = 0; i < n; i++) for (let rep = 0; rep < 2; rep++) h.add(hash53(`v${i}`));
    expect(Math.abs(h.estimate() / n - 1)).toBeLessThan(0.03);
  });
});

describe('BloomFilter', () => {
  it('a subset is contained; an overlapping set is not', () => {
    const parent = new BloomFilter();
    const child = new BloomFilter();
    const other = new BloomFilter();
    for (let i = 0; i < 100_000; i++) parent.add(hash53(String(i)));
    for (let i = 0; i < 50_000; i += 3) child.add(hash53(String(i)));
    for (let i = 90_000; i < 110_000; i++) other.add(hash53(String(i)));
    expect(child.containedIn(parent)).toBe(1);
    expect(other.containedIn(parent)).toBeLessThan(0.9);
    expect(parent.has(hash53('42'))).toBe(true);
  });
});
