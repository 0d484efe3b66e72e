import { describe, expect, it } from 'vitest';
import { KeyMap, KeySet } from './key-set.js';
import { Rng } from './rng.js';

describe('KeySet', () => {
  it('agrees with a JS Set over random 53-bit keys, through several growths', () => {
    const rng = new Rng(7);
    const keys = new KeySet(4);
    const ref = new Set<number>();
    for (let i = 0; i < 50_000; i++) {
      const k = Math.floor(rng.next() * 2 ** 53);
      expect(keys.has(k)).toBe(ref.has(k));
      if (i % 2) {
        keys.add(k);
        ref.add(k);
      }
    }
    for (const k of ref) expect(keys.has(k)).toBe(true);
    expect(keys.size).toBe(ref.size);
  });

  it.each([0, 1, 2 ** 32, 2 ** 53 - 1, 4294967295])('holds edge key %d and counts a repeated add once', (k) => {
    const keys = new KeySet();
    expect(keys.has(k)).toBe(false);
    keys.add(k);
    keys.add(k);
    expect(keys.has(k)).toBe(true);
    expect(keys.size).toBe(1);
  });

  it('addNew adds a key and says whether it was new, through growths', () => {
    const rng = new Rng(9);
    const keys = new KeySet(4);
    const ref = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const k = Math.floor(rng.next() * 5000); // many repeats
      expect(keys.addNew(k)).toBe(!ref.has(k));
      ref.add(k);
    }
    expect(keys.size).toBe(ref.size);
  });
});

describe('KeyMap', () => {
  it('agrees with a Map over random keys, through growths, and overwrites', () => {
    const rng = new Rng(11);
    const m = new KeyMap(4);
    const ref = new Map<number, number>();
    for (let i = 0; i < 30_000; i++) {
      const k = Math.floor(rng.next() * 2 ** 40);
      expect(m.get(k)).toBe(ref.get(k));
      m.set(k, i);
      ref.set(k, i);
    }
    for (const [k, v] of ref) expect(m.get(k)).toBe(v);
    expect(m.size).toBe(ref.size);
  });
});
