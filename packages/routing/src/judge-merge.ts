import type { MergeKind } from './ensemble-merge.js';

/** One answer an ensemble's judge chooses among: a distinct valid value and the members (by index) that gave it. */
export interface JudgeCandidate {
  value: unknown;
  members: number[];
}

/**
 * Whether an ensemble merged by `merge` asks its judge for a value of this kind: `judge` picks
 * text and structured values, where a vote cannot (free text is never equal); enums, booleans
 * and numbers are still merged by majority and median.
 */
export function needsJudge(kind: MergeKind, merge: string): boolean {
  return merge === 'judge' && (kind === 'text' || kind === 'other');
}

/**
 * The candidates of one value: the members' distinct valid answers (undefined marks a member with
 * none) in member order, so candidate k is the answer of the earliest member that gave it.
 */
export function judgeCandidates(answers: readonly unknown[]): JudgeCandidate[] {
  const out: JudgeCandidate[] = [];
  const byKey = new Map<string, JudgeCandidate>();
  answers.forEach((a, i) => {
    if (a === undefined) return;
    const k = JSON.stringify(a);
    const c = byKey.get(k);
    if (c) c.members.push(i);
    else {
      const n = { value: a, members: [i] };
      byKey.set(k, n);
      out.push(n);
    }
  });
  return out;
}

/**
 * The judge's pick among candidates from its scores (one per candidate, in candidate order): the
 * highest; a tie goes to the earliest candidate, i.e. to the earliest member in backend order.
 * Deterministic: the same scores always give the same pick.
 */
export function pickByScore(scores: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k]! > scores[best]!) best = k;
  return best;
}
