import { describe, expect, it } from 'vitest';
import { assemblePacked, packLines } from './packed-lines.js';

describe('assemblePacked', () => {
  const p = packLines(['a\n', 'bb\n', 'ccc\n', 'dddd\n', 'e\n']);
  const lines = (x: { text: string; ends: ArrayLike<number> }) => Array.from(x.ends, (e, k) => x.text.slice(k ? x.ends[k - 1]! : 0, e));
  it.each([
    ['nothing changed', [], [], ['a\n', 'bb\n', 'ccc\n', 'dddd\n', 'e\n']],
    ['dropped lines', [0, 3], [], ['bb\n', 'ccc\n', 'e\n']],
    ['replaced lines', [], [[1, 'XXXXX\n'], [4, '\n']], ['a\n', 'XXXXX\n', 'ccc\n', 'dddd\n', '\n']],
    ['both, a dropped line\'s replacement ignored', [2], [[2, 'no\n'], [3, 'D\n']], ['a\n', 'bb\n', 'D\n', 'e\n']],
  ] as const)('%s: the kept lines, each ending where `ends` says', (_, dropped, replaced, want) => {
    const out = assemblePacked(p, new Set(dropped), new Map(replaced as ReadonlyArray<[number, string]>));
    expect(lines(out)).toEqual(want);
    expect(out.text).toBe(want.join(''));
  });
});
