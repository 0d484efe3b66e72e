/** A field's kind as the ensemble merges it. */
export type MergeKind = 'enum' | 'boolean' | 'number' | 'integer' | 'text' | 'other';

/**
 * Merges the valid answers several backends gave for one value (DESIGN §8): enums and booleans
 * by majority (a tie goes to the answer of the earliest member), numbers by median (the lower
 * middle for an even count of integers, so the value stays an integer of the answers' range),
 * text and anything else by the first valid answer (`first-valid` does that for every kind).
 * `judge` merges as `vote`: its text is picked by the judge beforehand (judge-merge.ts), and this
 * first-valid answer is what it falls back to when the judge cannot answer.
 * Answers are in member order; undefined marks a member with no valid answer.
 * @returns the merged value (undefined when no member answered) and whether every answer agreed.
 */
export function mergeAnswers(kind: MergeKind, answers: readonly unknown[], merge: 'vote' | 'judge' | 'first-valid'): { value: unknown; agreed: boolean; valid: number } {
  const valid = answers.filter((a) => a !== undefined);
  if (!valid.length) return { value: undefined, agreed: false, valid: 0 };
  const keys = valid.map((v) => JSON.stringify(v));
  const agreed = keys.every((k) => k === keys[0]);
  if (merge === 'first-valid') return { value: valid[0], agreed, valid: valid.length };
  if (kind === 'enum' || kind === 'boolean') {
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    let best = keys[0]!;
    for (const k of keys) if (counts.get(k)! > counts.get(best)!) best = k;
    return { value: valid[keys.indexOf(best)], agreed, valid: valid.length };
  }
  if (kind === 'number' || kind === 'integer') {
    const xs = (valid as number[]).slice().sort((a, b) => a - b);
    const mid = (xs.length - 1) / 2;
    const value = xs.length % 2 ? xs[mid]! : kind === 'integer' ? xs[Math.floor(mid)]! : (xs[Math.floor(mid)]! + xs[Math.ceil(mid)]!) / 2;
    return { value, agreed, valid: valid.length };
  }
  return { value: valid[0], agreed, valid: valid.length };
}
