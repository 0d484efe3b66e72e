import { describe, expect, it } from 'vitest';
import { REPORT_SAMPLE_RECORDS, summarizedBatches } from './batch-processor.js';

describe("the report's sample of a dataset's batches", () => {
  it('summarizes every batch up to the sample size', () => {
    const all = summarizedBatches({ count: 40_000, batchSize: 5000 });
    expect(Array.from({ length: 8 }, (_, b) => all(b)).every(Boolean)).toBe(true);
    const edge = summarizedBatches({ count: REPORT_SAMPLE_RECORDS, batchSize: 1000 });
    expect(Array.from({ length: 100 }, (_, b) => edge(b)).every(Boolean)).toBe(true);
  });

  it('past it, whole batches evenly spread: ~the sample size in all, the first batch included', () => {
    const of1m = summarizedBatches({ count: 1_000_000, batchSize: 5000 });
    const picked = Array.from({ length: 200 }, (_, b) => b).filter(of1m);
    expect(picked.length * 5000).toBeGreaterThanOrEqual(REPORT_SAMPLE_RECORDS);
    expect(picked.length * 5000).toBeLessThanOrEqual(2 * REPORT_SAMPLE_RECORDS);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBeGreaterThanOrEqual(190);
    const gaps = new Set(picked.slice(1).map((b, i) => b - picked[i]!));
    expect(gaps.size).toBe(1);
  });
});
