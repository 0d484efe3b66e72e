import { describe, expect, it } from 'vitest';
import { emptyDelta } from './batch-output.js';
import { createBudgetLedger, createMemoryDailyLedger, type BudgetCaps } from './run-budget.js';

/** Every batch is estimated at 0.01 USD per record on `fast`, 0.002 on `quality`. */
const estimate = (_d: number, records: number) => ({ fast: records * 0.01, quality: records * 0.002 });
const cost = (fast: number, quality = 0) => ({ fast: { ...emptyDelta(), cost: fast }, ...(quality ? { quality: { ...emptyDelta(), cost: quality } } : {}) });

describe('createBudgetLedger', () => {
  const cases: Array<{ name: string; caps: BudgetCaps; reserve: number; refusedAt: number; says: RegExp }> = [
    // 10 records: 0.12 USD a batch; 0.5 holds four batches in flight, not five.
    { name: 'run cap counts batches in flight', caps: { run: 0.5, perBackend: {} }, reserve: 6, refusedAt: 4, says: /^budgets\.run 0\.5 USD: spent 0 \+ 0\.48 in flight, batch 4 of dataset 0 \(estimated 0\.12 USD\) would pass it$/ },
    { name: 'a backend cap counts that backend only', caps: { perBackend: { quality: 0.05 } }, reserve: 6, refusedAt: 2, says: /^budgets\.perBackend\.quality 0\.05 USD: quality spent 0 \+ 0\.04 in flight/ },
    { name: 'a backend the batch does not use is not a reason', caps: { perBackend: { premium: 0 } }, reserve: 6, refusedAt: -1, says: /never/ },
    { name: 'a zero run cap refuses the first batch', caps: { run: 0, perBackend: {} }, reserve: 1, refusedAt: 0, says: /^budgets\.run 0 USD/ },
  ];
  it.each(cases)('$name', async ({ caps, reserve, refusedAt, says }) => {
    const ledger = createBudgetLedger({ caps, estimate });
    let refused = -1;
    for (let b = 0; b < reserve && refused < 0; b++) {
      const why = await ledger.reserve(0, b, 10);
      if (why) {
        refused = b;
        expect(why).toMatch(says);
      }
    }
    expect(refused).toBe(refusedAt);
    if (refusedAt >= 0) expect(ledger.summary().stoppedBy).toMatch(says);
  });

  it('settling replaces a reservation with what the batch cost, and later estimates learn from it', async () => {
    const ledger = createBudgetLedger({ caps: { run: 1, perBackend: {} }, estimate, runCapName: '--max-cost' });
    expect(await ledger.reserve(0, 0, 10)).toBeUndefined();
    // The batch cost three times its estimate on fast: 0.3 + 0.02.
    await ledger.settle(0, 0, cost(0.3, 0.02));
    expect(ledger.summary()).toMatchObject({ spent: 0.32, spentByBackend: { fast: 0.3, quality: 0.02 }, maxOverrunUsd: 0.2, reservedBatches: 1 });
    // Next batches reserve 0.3 + 0.02 each (the observed cost per record), so 0.32 + 2 × 0.32 fits, a third does not.
    expect(await ledger.reserve(0, 1, 10)).toBeUndefined();
    expect(await ledger.reserve(0, 2, 10)).toBeUndefined();
    expect(await ledger.reserve(0, 3, 10)).toMatch(/^--max-cost 1 USD: spent 0\.32 \+ 0\.64 in flight, batch 3/);
    // Another dataset has learnt nothing yet: its static estimate applies.
    expect(await ledger.reserve(1, 0, 1)).toBeUndefined();
  });

  it('a held batch (in flight before a resume) is counted without a check, and restored spending counts', async () => {
    const ledger = createBudgetLedger({ caps: { run: 0.2, perBackend: {} }, estimate });
    ledger.restore({ fast: 0.15 });
    await ledger.hold(0, 7, 10);
    expect(await ledger.reserve(0, 8, 1)).toMatch(/spent 0\.15 \+ 0\.12 in flight/);
  });

  it('two runs share a day: the second is refused what the first holds, and gets it back when the first settles below its estimate', async () => {
    const day = createMemoryDailyLedger(() => new Date('2030-01-02T03:04:05Z'));
    const caps: BudgetCaps = { perBackend: {}, daily: 0.25 };
    const a = createBudgetLedger({ caps, estimate, daily: day });
    const b = createBudgetLedger({ caps, estimate, daily: day });
    expect(await a.reserve(0, 0, 10)).toBeUndefined();
    expect(await b.reserve(0, 0, 10)).toBeUndefined();
    expect(await b.reserve(0, 1, 10)).toMatch(/^budgets\.daily 0\.25 USD: the farm spent or holds 0\.24 today \(UTC 2030-01-02\)/);
    await a.settle(0, 0, cost(0.01));
    expect(await b.reserve(0, 1, 10)).toBeUndefined();
    // Closing gives back what is still reserved.
    await b.close();
    expect((await day.reserve(0, undefined)).total).toBeCloseTo(0.01, 10);
  });
});
