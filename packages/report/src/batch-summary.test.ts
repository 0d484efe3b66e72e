import { describe, expect, it } from 'vitest';
import { DatasetSchema } from '@synthfarm/spec';
import { BatchSummarizer, releaseSummary, summarizeBatch, sketchCode, sketchKey, type BatchSummary } from './batch-summary.js';
import { batchSummaryFromJson, batchSummaryToJson } from './batch-summary-json.js';
import { planDataset } from './column-plan.js';
import { createDatasetAccumulator } from './dataset-accumulator.js';
import { createReportCollector } from './report-collector.js';
import { emptyTimeline } from './event-timeline.js';
import { estimate, estimateText, mergeRegisters, mergeText, newRegisters } from './hll.js';
import type { DatasetPlan } from './column-plan.js';
import { buildPageModel, thousands } from './page-model.js';
import { expectedShares } from './target-curve.js';

const ds = DatasetSchema.parse({
  name: 'people',
  count: 4000,
  fields: {
    id: { kind: 'sequence' },
    age: { kind: 'normal', mean: 40, sd: 10, integer: true, min: 18 },
    tier: { kind: 'choice', weights: { free: 3, paid: 1 } },
    nick: { kind: 'faker', method: 'person.firstName', nullRate: 0.25 },
  },
});

/** A deterministic standard normal (Box–Muller over a fixed LCG). */
function normals(n: number): number[] {
  let s = 1;
  const u = () => ((s = (s * 48271) % 2147483647) / 2147483647);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

function summarize(records: Array<Record<string, unknown>>, batch = 500) {
  const plan = planDataset(ds);
  const acc = createDatasetAccumulator(plan);
  for (let i = 0; i < records.length; i += batch) {
    // As a farm worker hands it over: through JSON.
    acc.add(batchSummaryFromJson(JSON.parse(JSON.stringify(batchSummaryToJson(summarizeBatch(plan, records.slice(i, i + batch)))))));
  }
  const data = { version: 1 as const, runId: 'r', datasets: [{ plan, summary: acc.summary() }], rejectExamples: {} };
  return buildPageModel({ runId: 'r', datasets: { people: { requested: records.length, written: records.length, rejected: 0, files: [] } } }, data, emptyTimeline()).datasets[0]!;
}

const good = normals(4000).map((z, i) => ({ id: i + 1, age: Math.max(18, Math.round(40 + 10 * z)), tier: i % 4 === 0 ? 'paid' : 'free', nick: i % 4 === 1 ? null : `n${i % 700}` }));

describe('report summaries', () => {
  it('add up over batches to the same figures whatever the batch size', () => {
    const a = summarize(good, 500);
    const b = summarize(good, 333);
    expect(a.columns.map((c) => [c.n, c.nulls, c.hist?.map((h) => h.count), c.cats])).toEqual(b.columns.map((c) => [c.n, c.nulls, c.hist?.map((h) => h.count), c.cats]));
    expect(a.summarized).toBe(4000);
  });

  it('pass every check when the records follow the spec', () => {
    const v = summarize(good);
    expect(v.columns.flatMap((c) => c.checks).filter((k) => !k.ok)).toEqual([]);
    const nick = v.columns.find((c) => c.path === 'nick')!;
    expect(nick.nulls).toBe(1000);
    // 525 distinct nicknames (n0…n699 less the residues of the null rows): the sketch is within its error.
    expect(Math.abs(nick.distinct! - 525) / 525).toBeLessThan(0.08);
  });

  it('fail the checks a user would want to see: a shifted distribution, wrong weights, a missing null rate', () => {
    const bad = good.map((r, i) => ({ ...r, age: (r.age as number) + 8, tier: i % 2 ? 'paid' : 'free', nick: `n${i}` }));
    const failed = summarize(bad).columns.flatMap((c) => c.checks.filter((k) => !k.ok).map((k) => `${c.path}:${k.name}`));
    expect(failed).toEqual(['age:distribution', 'tier:categories', 'nick:nulls']);
  });

  it("draws each target with its clamped mass in the edge bin, summing to 1", () => {
    const age = planDataset(ds).columns.find((c) => c.path === 'age')!;
    const shares = expectedShares(age)!;
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    // P(age < 18) ≈ 1.4% piles up at 18: the first bin holds it.
    expect(shares[0]!).toBeGreaterThan(0.013);
  });

  it('estimates distinct counts from merged sketches', () => {
    const plan: DatasetPlan = { name: 'x', columns: [{ path: 'v', field: 'faker', nullRate: 0, unique: false, type: 'text' }], correlated: [], correlationTargets: {} };
    const acc = createDatasetAccumulator(plan);
    acc.add(summarizeBatch(plan, Array.from({ length: 50_000 }, (_, i) => ({ v: `value-${i}` }))));
    acc.add(summarizeBatch(plan, Array.from({ length: 75_000 }, (_, i) => ({ v: `value-${25_000 + i}` }))));
    const merged = newRegisters();
    mergeText(merged, acc.summary().columns[0]!.hll!);
    expect(Math.abs(estimate(merged) - 100_000) / 100_000).toBeLessThan(0.08);
    // The page reads the text as it is, to the same estimate.
    expect(estimateText(acc.summary().columns[0]!.hll!)).toBe(estimate(merged));
  });

  it('counts the distinct values of unique fields, sequences and uuids exactly, without a sketch; a foreign key to them keeps its sketch', () => {
    const parent = DatasetSchema.parse({
      name: 'customers', count: 3000,
      fields: { id: { kind: 'sequence' }, token: { kind: 'uuid' }, email: { kind: 'faker', method: 'internet.email', unique: true }, nick: { kind: 'faker', method: 'person.firstName' } },
    });
    const child = DatasetSchema.parse({ name: 'orders', count: 10, fields: { customerId: { kind: 'ref', dataset: 'customers', field: 'id' } } });
    const plan = planDataset(parent, [parent, child]);
    expect(plan.columns.map((c) => [c.path, !!c.allDistinct])).toEqual([['id', true], ['token', true], ['email', true], ['nick', false]]);
    expect(planDataset(child, [parent, child]).columns[0]!.allDistinct).toBeUndefined();

    const records = Array.from({ length: 3000 }, (_, i) => ({ id: i + 1, token: `t-${i}`, email: i % 10 ? `u${i}@example.com` : null, nick: `n${i % 700}` }));
    const acc = createDatasetAccumulator(plan);
    acc.add(summarizeBatch(plan, records.slice(0, 1000)));
    acc.add(summarizeBatch(plan, records.slice(1000)));
    const summary = acc.summary();
    expect(summary.columns.map((c) => c.hll !== undefined)).toEqual([false, false, false, true]);
    // Lengths are still counted where nothing is hashed.
    expect(summary.columns[2]!.len).toEqual({ min: '1@example.com'.length + 1, max: 'u2999@example.com'.length, sum: records.reduce((s, r) => s + (r.email?.length ?? 0), 0) });
    const data = { version: 1 as const, runId: 'r', datasets: [{ plan, summary }], rejectExamples: {} };
    const view = buildPageModel({ runId: 'r', datasets: { customers: { requested: 3000, written: 3000, rejected: 0, files: [] } } }, data, emptyTimeline()).datasets[0]!.columns;
    expect(view.map((c) => [c.path, c.distinct, !!c.distinctExact])).toEqual([['id', 3000, true], ['token', 3000, true], ['email', 2700, true], ['nick', expect.any(Number), false]]);
    expect(Math.abs(view[3]!.distinct! - 700) / 700).toBeLessThan(0.08);
    expect(view[2]!.checks.find((c) => c.name === 'unique')).toEqual({ name: 'unique', ok: true, detail: '2,700 distinct of 2,700 (enforced while committing)' });
  });

  it('merges registers as their maximum, four at a time or (unaligned) one by one', () => {
    // Sparse, as a batch's are: mostly empty words, some with one register set among zeros.
    const from = new Uint8Array(4096);
    for (let i = 0; i < from.length; i += 37) from[i] = (i % 19) + 1;
    from[4095] = 22;
    const into = Uint8Array.from({ length: 4096 }, (_, i) => (i % 5 === 0 ? 7 : 0));
    const want = into.map((r, i) => Math.max(r, from[i]!));
    const aligned = into.slice();
    mergeRegisters(aligned, from);
    expect(aligned).toEqual(want);
    const odd = new Uint8Array(4097);
    odd.set(from, 1);
    const unaligned = into.slice();
    mergeRegisters(unaligned, odd.subarray(1));
    expect(unaligned).toEqual(want);
  });

  it('counts a category only by its values, and its distinct values exactly as hashing every record would', () => {
    const plan: DatasetPlan = { name: 'x', columns: [{ path: 'c', field: 'choice', nullRate: 0, unique: false, type: 'category' }, { path: 'a.b', field: 'faker', nullRate: 0, unique: false, type: 'auto' }], correlated: [], correlationTargets: {} };
    const records = Array.from({ length: 3000 }, (_, i) => ({ c: i % 7 === 0 ? true : `k${i % 5}`, a: { b: i % 3 ? i * 0.5 : i % 2 === 0 } }));
    const expected: Record<string, number> = {};
    for (const r of records) expected[String(r.c)] = (expected[String(r.c)] ?? 0) + 1;
    const acc = createDatasetAccumulator(plan);
    for (let i = 0; i < records.length; i += 400) {
      acc.add(summarizeBatch(plan, records.slice(i, i + 400)));
    }
    const [c, a] = acc.summary().columns;
    expect(c!.cats!.counts).toEqual(expected);
    const reg = newRegisters();
    mergeText(reg, c!.hll!);
    expect(estimate(reg)).toBe(6);
    // The nested auto column: booleans as categories, numbers in the log sketch, nothing lost.
    expect(a!.n).toBe(3000);
    expect(a!.cats!.counts).toEqual({ true: 500, false: 500 });
    expect(Object.values(a!.num!.sketch!).reduce((x, y) => x + y, 0)).toBe(2000);
  });

  it("summarizes dates the same from the generator's instants as from their text", () => {
    const plan: DatasetPlan = {
      name: 'x', correlated: [], correlationTargets: {},
      columns: [{ path: 'd', field: 'datetime', nullRate: 0, unique: false, type: 'date', bins: { lo: Date.UTC(2024, 0, 1), width: 86_400_000, n: 10 } }],
    };
    const records = Array.from({ length: 600 }, (_, i) => ({
      d: i % 50 === 0 ? null : i % 77 === 0 ? 'soon' : i % 91 === 0 ? 7 : new Date(Date.UTC(2023, 11, 30) + i * 29_000_000).toISOString().slice(0, 19) + (i % 2 ? 'Z' : '+01:00'),
    }));
    const instants = [Float64Array.from(records, (r) => (typeof r.d === 'string' ? Date.parse(r.d) : NaN))];
    const parsed = summarizeBatch(plan, records);
    expect(summarizeBatch(plan, records, undefined, instants)).toEqual(parsed);
    // The generator hands over the instant its date node last wrote, for every record: a null
    // (or a value the node did not write) leaves the previous record's there, to be ignored.
    const stale = [Float64Array.from(records, (r, i) => (typeof r.d === 'string' ? Date.parse(r.d) : Date.UTC(2024, 0, 3) + i))];
    expect(summarizeBatch(plan, records, undefined, stale)).toEqual(parsed);
    const s = createDatasetAccumulator(plan);
    s.add(parsed);
    const [d] = s.summary().columns;
    // Nulls, dates counted (under, in bins, over), and the two values that are not dates counted as values only.
    expect([d!.nulls, d!.n, d!.num!.under + d!.num!.bins!.reduce((a, b) => a + b, 0) + d!.num!.over]).toEqual([12, 588, 588 - 7 - 6]);
  });

  it('comes out the same, bit for bit, summarized a run at a time as in one go', () => {
    const plan: DatasetPlan = {
      name: 'x', correlated: [0, 1], correlationTargets: {},
      columns: [
        { path: 'a', field: 'number', nullRate: 0, unique: false, type: 'number' },
        { path: 'b', field: 'number', nullRate: 0, unique: false, type: 'number', bins: { lo: -3, width: 0.5, n: 12 } },
        { path: 'c', field: 'choice', nullRate: 0, unique: false, type: 'category' },
        { path: 't', field: 'faker', nullRate: 0, unique: false, type: 'text' },
        { path: 'l', field: 'array', nullRate: 0, unique: false, type: 'array', of: 'choice' },
        { path: 'd', field: 'datetime', nullRate: 0, unique: false, type: 'date', bins: { lo: Date.UTC(2024, 0, 1), width: 86_400_000, n: 10 } },
        { path: 'u', field: 'template', nullRate: 0, unique: false },
      ] as DatasetPlan['columns'],
    };
    const z = normals(3000);
    // Sums of values of mixed magnitude: any change in the order of additions shows in the last bits.
    const records = z.map((x, i) => ({
      a: i % 13 === 0 ? null : Math.exp(3 * x) * (i % 7 ? 1 : 1e-9),
      b: x,
      c: i % 11 === 0 ? undefined : `c${(i * 7) % 90}`,
      t: i % 5 === 0 ? 17 : `text ${i % 333}`.repeat(1 + (i % 3)),
      l: i % 4 ? [`e${i % 70}`, `e${i % 3}`] : null,
      d: i % 9 === 0 ? 'soon' : new Date(Date.UTC(2024, 0, 1) + i * 2_000_000).toISOString(),
      u: i % 3 === 0 ? i % 2 === 0 : i % 3 === 1 ? x * 1e6 : `v${i}`,
    }));
    const instants = [undefined, undefined, undefined, undefined, undefined, Float64Array.from(records, (r) => Date.parse(r.d))];
    const whole = summarizeBatch(plan, records, undefined, instants);
    for (const run of [1, 7, 256, 1000]) {
      const s = new BatchSummarizer(plan);
      for (let i = 0; i < records.length; i += run) s.add(records.slice(i, i + run), Math.min(run, records.length - i), instants.map((x) => x?.slice(i, i + run)));
      const parts = s.done();
      expect(parts).toEqual(whole);
      // Bit for bit: toEqual takes -0 for 0 and any NaN for another.
      expect(Buffer.from(parts.stats.buffer).equals(Buffer.from(whole.stats.buffer))).toBe(true);
      expect(Buffer.from(parts.corr.buffer).equals(Buffer.from(whole.corr.buffer))).toBe(true);
    }
    expect(whole.sketch[0]!.keys.length).toBeGreaterThan(20);
    expect(whole.cats[2]!.keys.length).toBe(64);
    expect(whole.cats[6]!.keys).toEqual(['true', 'false']);
  });

  it('makes the same summary in a released buffer as in a new one, and the collector releases what it merged', () => {
    const plan = planDataset(ds);
    const fresh = (rs: typeof good) => {
      const s = summarizeBatch(plan, rs);
      return { ...s, stats: Array.from(s.stats), counts: Array.from(s.counts), hll: Array.from(s.hll), corr: Array.from(s.corr) };
    };
    const first = summarizeBatch(plan, good.slice(0, 500));
    const second = fresh(good.slice(500, 1000));
    releaseSummary(first);
    const reused = summarizeBatch(plan, good.slice(500, 1000));
    // The released buffer was taken again, zeroed: nothing of the first batch is left in it.
    expect(reused.stats.buffer).toBe(first.stats.buffer);
    expect({ ...reused, stats: Array.from(reused.stats), counts: Array.from(reused.counts), hll: Array.from(reused.hll), corr: Array.from(reused.corr) }).toEqual(second);

    const collector = createReportCollector([ds]);
    const merged = summarizeBatch(collector.plans[0]!, good.slice(0, 500));
    collector.addBatch(0, merged);
    expect(summarizeBatch(collector.plans[0]!, good.slice(0, 10)).stats.buffer).toBe(merged.stats.buffer);
    expect(collector.data('r').datasets[0]!.summary.records).toBe(500);
  });

  it('names sketch buckets as before: ±k, z for zero', () => {
    expect([1.1, 1, 0, -1.21, 0.5, -0.5].map((x) => sketchKey(sketchCode(x)))).toEqual(['1', '0', 'z', '-2', '-7', '--7']);
  });

  it('carries a batch through JSON whole, empty columns (infinite min and max) included', () => {
    const plan = planDataset(ds);
    const b: BatchSummary = summarizeBatch(plan, [{ id: 1, age: 30, tier: 'free', nick: null }]);
    const back = batchSummaryFromJson(JSON.parse(JSON.stringify(batchSummaryToJson(b))));
    expect(back).toEqual(b);
    expect(back.stats.includes(Infinity)).toBe(true);
  });

  it('writes thousands as toLocaleString does, without loading ICU', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 1_000_000, 98_765_432, -4321]) expect(thousands(n)).toBe(n.toLocaleString('en-US'));
  });
});

describe('taking records back out of a dataset summary', () => {
  it('subtract(b) after add(b) leaves counts, sums, bins and categories as before; a category at 0 goes', () => {
    const plan = planDataset(ds);
    const recs = (from: number, n: number, tier: string) => Array.from({ length: n }, (_, i) => ({ id: from + i, age: 20 + ((from + i) % 50), tier, nick: i % 4 ? `n${i}` : null }));
    const base = summarizeBatch(plan, recs(1, 200, 'free'));
    const extra = summarizeBatch(plan, recs(201, 30, 'gold'));
    const a = createDatasetAccumulator(plan);
    a.add(base);
    const only = createDatasetAccumulator(plan);
    only.add(base);
    a.add(extra);
    expect(a.summary().records).toBe(230);
    a.subtract(extra);
    const got = a.summary();
    const want = only.summary();
    expect(got.records).toBe(want.records);
    const tier = plan.columns.findIndex((c) => c.path === 'tier');
    expect(got.columns[tier]!.cats).toEqual(want.columns[tier]!.cats);
    for (const [i, c] of got.columns.entries()) {
      expect(c.n).toBe(want.columns[i]!.n);
      expect(c.nulls).toBe(want.columns[i]!.nulls);
      expect(c.num?.sum).toBe(want.columns[i]!.num?.sum);
      expect(c.num?.bins ?? c.num?.sketch).toEqual(want.columns[i]!.num?.bins ?? want.columns[i]!.num?.sketch);
      expect(c.len?.sum).toBe(want.columns[i]!.len?.sum);
    }
  });
});
