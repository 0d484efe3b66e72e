import { describe, expect, it } from 'vitest';
import { DEFAULT_KEEP_ALIVE_MS, parseKeepAlive } from './keep-alive.js';

describe('parseKeepAlive', () => {
  it.each([
    [undefined, DEFAULT_KEEP_ALIVE_MS],
    [30, 30_000],
    [0, 0],
    [-1, Infinity],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['300ms', 300],
    ['10', 10_000],
    ['-1m', Infinity],
    ['soon', DEFAULT_KEEP_ALIVE_MS],
  ])('%j → %d ms', (input, expected) => {
    expect(parseKeepAlive(input)).toBe(expected);
  });
});
