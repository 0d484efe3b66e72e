import { describe, expect, it } from 'vitest';
import { mergeAnswers } from './ensemble-merge.js';

describe('ensemble merge rules', () => {
  it.each([
    ['enum by majority', 'enum', ['a', 'b', 'b'], 'vote', 'b', false],
    ['enum tie → the earliest member', 'enum', ['a', 'b'], 'vote', 'a', false],
    ['boolean by majority, invalid answers left out', 'boolean', [true, undefined, false, false], 'vote', false, false],
    ['numbers by median', 'number', [1, 10, 3], 'vote', 3, false],
    ['even count of numbers: the mean of the middle two', 'number', [1, 2, 4, 10], 'vote', 3, false],
    ['even count of integers: the lower middle, still an integer answered', 'integer', [1, 2, 4, 10], 'vote', 2, false],
    ['text: the first valid answer', 'text', [undefined, 'second', 'third'], 'vote', 'second', false],
    ['first-valid for every kind', 'enum', ['a', 'b', 'b'], 'first-valid', 'a', false],
    ['all agree', 'enum', ['a', 'a', 'a'], 'vote', 'a', true],
  ] as const)('%s', (_, kind, answers, merge, value, agreed) => {
    const m = mergeAnswers(kind, answers, merge);
    expect(m.value).toBe(value);
    expect(m.agreed).toBe(agreed);
  });

  it('nothing valid → nothing merged', () => {
    expect(mergeAnswers('enum', [undefined, undefined], 'vote')).toEqual({ value: undefined, agreed: false, valid: 0 });
  });
});
