import { describe, expect, it } from 'vitest';
import { REPORT_SAMPLE_RECORDS, summarizedBatches } from './batch-processor.js';

describe("the report's sample of a dataset's batches", () => {
  it('summarizes every batch up to the sample size', () => {
    const all = summarizedBatches({ count: REPORT_SAMPLE_RECORDS, batchSize: 500 });
    expect(Array.from({ length: REPORT_SAMPLE_RECORDS / 500 }, (_, b) => all(b * 500)).every(Boolean)).toBe(true);
    const edge = summarizedBatches({ count: REPORT_SAMPLE_RECORDS + 1, batchSize: 1000 });
    expect(edge(0) && !edge(1000) && edge(2000)).toBe(true);
  });

  it('past it, whole batches evenly spread: ~the sample size in all, the first batch included', () => {
    const of1m = summarizedBatches({ count: 1_000_000, batchSize: 500 });
    const picked = Array.from({ length: 2000 }, (_, b) => b).filter((b) => of1m(b * 500));
    expect(picked.length * 500).toBeGreaterThanOrEqual(REPORT_SAMPLE_RECORDS);
    expect(picked.length * 500).toBeLessThanOrEqual(2 * REPORT_SAMPLE_RECORDS);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBeGreaterThanOrEqual(1900);
    const gaps = new Set(picked.slice(1).map((b, i) => b - picked[i]!));
    expect(gaps.size).toBe(1);
  });

  it("an embedded run's 250-record jobs are summarized when their spec batch is: the same records as a farm's batches", () => {
    const batchSize = REPORT_SAMPLE_RECORDS / 10;
    const batches = 29;
    const picked = summarizedBatches({ count: batches * batchSize, batchSize });
    const farm = Array.from({ length: batches }, (_, b) => b * batchSize).filter(picked);
    const embedded = Array.from({ length: (batches * batchSize) / 250 }, (_, j) => j * 250).filter(picked);
    expect(farm.length).toBeLessThan(batches);
    expect(embedded.length).toBe((farm.length * batchSize) / 250);
    expect(new Set(embedded.map((s) => Math.floor(s / batchSize)))).toEqual(new Set(farm.map((s) => s / batchSize)));
    expect(farm.length * batchSize).toBeGreaterThanOrEqual(REPORT_SAMPLE_RECORDS);
    expect(farm.length * batchSize).toBeLessThan(2 * REPORT_SAMPLE_RECORDS);
  });
});
