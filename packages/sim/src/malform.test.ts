import { describe, expect, it } from 'vitest';
import { malformAnswer } from './malform.js';
import { createRng } from './rng.js';

describe('malformAnswer', () => {
  it.each([
    ['an object', '{"records":[{"name":"Maya Torres","age":31}]}'],
    ['an array', '[1,2,3]'],
    ['a number', '123'],
    ['a string', '"ok"'],
    ['one character', '1'],
    ['prose', 'The quiet harbor keeps a steady rhythm.'],
  ])('always breaks %s so JSON.parse fails', (_name, text) => {
    const modes = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const { text: broken, mode } = malformAnswer(text, createRng(seed));
      modes.add(mode);
      expect(() => JSON.parse(broken)).toThrow();
    }
    expect(modes.size).toBe(3);
  });
});
