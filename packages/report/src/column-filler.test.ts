import { describe, expect, it, vi } from 'vitest';
import { DatasetSchema } from '@synthfarm/spec';
import { BatchSummarizer } from './batch-summary.js';
import { columnFiller, type ColumnFiller } from './column-filler.js';
import { planDataset, type DatasetPlan } from './column-plan.js';

const ds = DatasetSchema.parse({
  name: 'people',
  count: 1000,
  fields: {
    id: { kind: 'sequence' },
    age: { kind: 'normal', mean: 40, sd: 10, integer: true, min: 18 },
    tier: { kind: 'choice', values: ['a', 'b'] },
    address: { kind: 'object', fields: { city: { kind: 'faker', method: 'location.city' }, geo: { kind: 'object', fields: { lat: { kind: 'uniform', min: -90, max: 90 } } } } },
    tags: { kind: 'array', max: 3, of: { kind: 'choice', values: ['x', 'y'] } },
  },
});

/** Records of every shape a column path meets: present, null, missing, crossing a non-object. */
function records(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => {
    const address = i % 7 === 0 ? null : i % 11 === 0 ? 'not an object' : i % 13 === 0 ? {} : { city: `c${i % 40}`, geo: i % 5 === 0 ? null : { lat: (i % 180) - 90 } };
    const r: Record<string, unknown> = { id: i + 1, age: i % 9 === 0 ? null : 18 + (i % 60), tier: i % 3 ? 'a' : 'b', address, tags: i % 4 ? ['x', 'y'].slice(0, i % 3) : undefined };
    if (i % 17 === 0) delete r.age;
    return r;
  });
}

describe('columnFiller', () => {
  it('copies each column path of a record, undefined where the path is missing or crosses a non-object', () => {
    const plan = planDataset(ds);
    expect(plan.columns.map((c) => c.path)).toEqual(['id', 'age', 'tier', 'address.city', 'address.geo.lat', 'tags']);
    const columns = plan.columns.map(() => [] as unknown[]);
    const fill = columnFiller(plan);
    const rs = [
      { id: 1, age: 30, tier: 'a', address: { city: 'Rome', geo: { lat: 41.9 } }, tags: ['x'] },
      { id: 2, age: null, address: null },
      { id: 3, address: 'text', tags: [] },
      { id: 4, address: { geo: 7 } },
    ];
    rs.forEach((r, n) => fill(r, n, columns));
    expect(columns).toEqual([
      [1, 2, 3, 4],
      [30, null, undefined, undefined],
      ['a', undefined, undefined, undefined],
      ['Rome', undefined, undefined, undefined],
      [41.9, undefined, undefined, undefined],
      [['x'], undefined, [], undefined],
    ]);
    expect(columnFiller(plan)).toBe(fill);
  });

  it('gives the summary, bit for bit, that reading the records does', () => {
    const plan = planDataset(ds);
    const rs = records(700);
    const fromRecords = new BatchSummarizer(plan);
    const fromColumns = new BatchSummarizer(plan);
    const fill = columnFiller(plan);
    const columns = plan.columns.map(() => new Array<unknown>(256));
    for (let start = 0; start < rs.length; start += 256) {
      const run = rs.slice(start, start + 256);
      fromRecords.add(run);
      run.forEach((r, n) => fill(r, n, columns));
      fromColumns.addColumns(columns, run.length);
    }
    expect(fromColumns.done()).toEqual(fromRecords.done());
  });

  it('runs none of a column path as code, whatever its characters', () => {
    // Spec field names are letters, digits and _; a plan's paths are still only ever read as keys.
    // (A dot nests a path; the generated code is sloppy-mode, so `x=1` would make a global.)
    const paths = ['a"];__columnFillerPwned=1;//', "b'+(__columnFillerPwned=2)+'", 'c\u2028\\`${__columnFillerPwned=3}`.d'];
    const plan: DatasetPlan = { name: 'e', columns: paths.map((path) => ({ path, field: 'sequence', nullRate: 0, unique: false, type: 'text' as const })), correlated: [], correlationTargets: {} };
    const columns = plan.columns.map(() => [] as unknown[]);
    columnFiller(plan)({ [paths[0]!]: 5, [paths[1]!]: 6, 'c\u2028\\`${__columnFillerPwned=3}`': { d: 7 } }, 0, columns);
    expect((globalThis as Record<string, unknown>).__columnFillerPwned).toBeUndefined();
    expect(columns).toEqual([[5], [6], [7]]);
  });

  it('reads the same values where code cannot be generated', () => {
    const plan = planDataset(ds);
    const generated = plan.columns.map(() => [] as unknown[]);
    const looped = plan.columns.map(() => [] as unknown[]);
    const fill = columnFiller(plan);
    // As under --disallow-code-generation-from-strings: the Function constructor throws.
    vi.stubGlobal('Function', function () {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    let loop: ColumnFiller = fill;
    try {
      loop = columnFiller({ ...plan });
    } finally {
      vi.unstubAllGlobals();
    }
    records(300).forEach((r, n) => {
      fill(r, n, generated);
      loop(r, n, looped);
    });
    expect(String(loop)).toContain('valueAt');
    expect(looped).toEqual(generated);
  });
});
