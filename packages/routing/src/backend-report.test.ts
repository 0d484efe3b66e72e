import { describe, expect, it } from 'vitest';
import type { Spec } from '@synthfarm/spec';
import { backendReport, type ReportEvent } from './backend-report.js';
import { createModelRegistry } from './registry.js';

const spec = {
  backends: {
    cheap: { provider: 'ollama', model: 'cheap:1b', tier: 1, costPer1kInput: 1, costPer1kOutput: 1, slots: 4, hosts: ['http://a'] },
    mid: { provider: 'ollama', model: 'mid:8b', tier: 2, costPer1kInput: 4, costPer1kOutput: 4, slots: 4, hosts: ['http://b'] },
    judge: { provider: 'ollama', model: 'big:70b', tier: 3, costPer1kInput: 20, costPer1kOutput: 20, slots: 4, hosts: ['http://c'] },
  },
} as unknown as Spec;
const registry = createModelRegistry(spec);

const verdict = (field: string, backend: string, asked: number, passed: number, accepted: number, cost: number, extra: Record<string, unknown> = {}) =>
  ({ step: 0, field, backend, asked, passed, accepted, cost, escalated: asked - passed, ...extra });

describe('synthfarm backends: cost per accepted record', () => {
  it('per-field routes: a backend\'s spending over the records its accepted values make up (values ÷ model fields per record)', () => {
    // One batch of 10 records, two model fields: cheap wrote every mood and 2 bios; mid the other 8 bios.
    const run: ReportEvent[] = [
      { type: 'routing_decision', dataset: 'people', step: 0, fields: ['mood'], verdicts: [verdict('mood', 'cheap', 10, 10, 10, 0.01)] },
      { type: 'routing_decision', dataset: 'people', step: 0, fields: ['bio'], verdicts: [verdict('bio', 'cheap', 10, 2, 2, 0.02), verdict('bio', 'mid', 8, 8, 8, 0.04)] },
    ];
    const by = Object.fromEntries(backendReport(registry, [run]).map((r) => [r.name, r]));
    // cheap: 12 values = 6 records' worth for 0.03 USD; mid: 8 values = 4 records for 0.04.
    expect(by.cheap!.costPerAcceptedRecord).toBeCloseTo(0.005, 10);
    expect(by.cheap!.costPerAcceptedValue).toBeCloseTo(0.0025, 10);
    expect(by.mid!.costPerAcceptedRecord).toBeCloseTo(0.01, 10);
    expect(by.mid!.costPerAcceptedValue).toBeCloseTo(0.005, 10);
    expect(by.judge!.costPerAcceptedRecord).toBeNull();
  });

  it('a fixed stage writes whole records: its accepted count is records; stages are weighed by their fields', () => {
    // Stage 0 (fixed, 2 fields) and stage 1 (fixed, 1 field): a record is 3 model fields.
    const run: ReportEvent[] = [
      { type: 'routing_decision', dataset: 'people', step: 0, fields: ['mood', 'bio'], verdicts: [verdict('*', 'cheap', 10, 10, 10, 0.03)] },
      { type: 'routing_decision', dataset: 'people', step: 1, fields: ['summary'], verdicts: [{ ...verdict('*', 'mid', 10, 10, 10, 0.02), step: 1 }] },
    ];
    const by = Object.fromEntries(backendReport(registry, [run]).map((r) => [r.name, r]));
    // cheap wrote 2/3 of 10 records; mid 1/3.
    expect(by.cheap!.costPerAcceptedRecord).toBeCloseTo(0.03 / (10 * 2 / 3), 10);
    expect(by.mid!.costPerAcceptedRecord).toBeCloseTo(0.02 / (10 / 3), 10);
    expect(by.cheap!.costPerAcceptedValue).toBeCloseTo(0.03 / 20, 10);
  });

  it('an ensemble judge\'s calls are not charged to records it did not write', () => {
    const run: ReportEvent[] = [
      { type: 'routing_decision', dataset: 'people', step: 0, fields: ['bio'], verdicts: [verdict('bio', 'cheap', 10, 10, 10, 0.01), verdict('bio', 'judge', 0, 0, 0, 0.5, { judge: { judged: 10, fellBack: 0 } })] },
    ];
    const by = Object.fromEntries(backendReport(registry, [run]).map((r) => [r.name, r]));
    expect(by.cheap!.costPerAcceptedRecord).toBeCloseTo(0.001, 10);
    expect(by.judge!.costPerAcceptedRecord).toBeNull();
    expect(by.judge!.passRate).toBeNull();
  });
});

describe('synthfarm backends: what is left out of the per-record figures', () => {
  it("a spot-check stage's verdict (sampled records judged) is neither a pass rate nor a record the backend wrote", () => {
    const run: ReportEvent[] = [
      { type: 'routing_decision', dataset: 'people', step: 0, fields: ['mood', 'bio'], policy: 'fixed', verdicts: [verdict('*', 'mid', 10, 10, 10, 0.04)] },
      { type: 'routing_decision', dataset: 'people', step: 1, fields: ['persona', 'mood', 'bio'], policy: 'spot-check', verdicts: [{ ...verdict('*', 'mid', 5, 1, 15, 0.5), step: 1 }] },
    ];
    const mid = backendReport(registry, [run]).find((r) => r.name === 'mid')!;
    expect(mid.passRate).toBe(1);
    expect(mid.costPerAcceptedRecord).toBeCloseTo(0.004, 10);
  });
});
