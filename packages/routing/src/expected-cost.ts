/** One rung of an escalation ladder: a backend's cost per attempt at a field and its pass rate. */
export interface Rung {
  /** USD per attempt at one value (one record's field). */
  cost: number;
  /** Probability one attempt gives a valid value. */
  pass: number;
}

/**
 * Expected cost per *accepted* value when writing starts on `ladder[0]`: each rung gets the first
 * attempt and `repairs` repair attempts, then the value escalates to the next rung; past the last
 * rung it is rejected. Returns the cost per accepted value and the acceptance probability.
 */
export function expectedCostPerAccepted(ladder: readonly Rung[], repairs: number): { costPerAccepted: number; accept: number; cost: number } {
  let cost = 0;
  let accept = 0;
  for (let k = ladder.length - 1; k >= 0; k--) {
    const { cost: c, pass } = ladder[k]!;
    const p = Math.min(1, Math.max(1e-6, pass));
    const q = 1 - p;
    const stay = 1 - Math.pow(q, repairs + 1);
    cost = (c * stay) / p + (1 - stay) * cost;
    accept = stay + (1 - stay) * accept;
  }
  return { costPerAccepted: accept > 0 ? cost / accept : Infinity, accept, cost };
}
