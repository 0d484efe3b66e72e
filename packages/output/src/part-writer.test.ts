import { describe, expect, it } from 'vitest';
import { sliceBytes } from './part-writer.js';

describe('sliceBytes', () => {
  const text = 'a,1\r\nbb,2\r\nccc,3\r\n';
  const ends = [5, 11, 18];
  const bytes = Buffer.from(text);

  it('all the lines of a batch that has bytes: the bytes themselves', () => {
    expect(sliceBytes({ text, ends, bytes }, 0, 3)).toBe(bytes);
  });

  it.each([
    ['part of the lines', { text, ends, bytes }, 1, 3, 'bb,2\r\nccc,3\r\n'],
    ['lines without bytes', { text, ends }, 0, 3, text],
    ['no lines', { text, ends, bytes }, 0, 0, ''],
  ] as const)('%s: the text', (_, lines, from, to, want) => {
    expect(sliceBytes(lines, from, to)).toBe(want);
  });
});
