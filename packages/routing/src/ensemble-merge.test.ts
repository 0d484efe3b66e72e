import { describe, expect, it } from 'vitest';
import { mergeAnswers, type MergeKind } from './ensemble-merge.js';
import { judgeCandidates, needsJudge, pickByScore } from './judge-merge.js';

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

describe('ensemble merge by a judge (merge: judge)', () => {
  it('asks the judge only for text and structured values; enums, booleans and numbers still vote', () => {
    expect(['enum', 'boolean', 'number', 'integer'].map((k) => needsJudge(k as MergeKind, 'judge'))).toEqual([false, false, false, false]);
    expect(needsJudge('text', 'judge')).toBe(true);
    expect(needsJudge('other', 'judge')).toBe(true);
    expect(needsJudge('text', 'vote')).toBe(false);
    expect(mergeAnswers('enum', ['a', 'b', 'b'], 'judge').value).toBe('b');
    expect(mergeAnswers('number', [1, 10, 3], 'judge').value).toBe(3);
  });

  it('the candidates are the distinct valid answers in member order, each with the members that gave it', () => {
    expect(judgeCandidates(['x', undefined, 'y', 'x'])).toEqual([{ value: 'x', members: [0, 3] }, { value: 'y', members: [2] }]);
    expect(judgeCandidates([{ a: 1 }, { a: 1 }])).toEqual([{ value: { a: 1 }, members: [0, 1] }]);
    expect(judgeCandidates([undefined, undefined])).toEqual([]);
  });

  it.each([
    ['the highest score wins', [3, 9, 5], 1],
    ['a tie goes to the candidate of the earliest member (backend order)', [7, 9, 9], 1],
    ['all equal: the first', [4, 4, 4], 0],
  ])('%s', (_, scores, pick) => {
    expect(pickByScore(scores)).toBe(pick);
    // Deterministic: the same scores give the same pick.
    expect(pickByScore([...scores])).toBe(pick);
  });
});
