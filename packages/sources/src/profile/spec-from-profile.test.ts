import { describe, expect, it } from 'vitest';
import { parseSpecText } from '@synthfarm/spec';
import { specFromProfile } from './spec-from-profile.js';
import type { ColumnStats, TableStats } from './table-stats.js';

const quantiles = Array.from({ length: 21 }, (_, i) => i * 5);
const numberColumn = (name: string): ColumnStats => ({ name, type: 'number', rows: 1000, nulls: 0, sentinels: {}, distinct: 900, distinctExact: true, unique: false, quantiles, decimals: 2 });

function table(correlations: TableStats['correlations']): TableStats {
  return { name: 'metrics', label: 'metrics.csv', rows: 1000, columns: ['a', 'b', 'c', 'd'].map(numberColumn), primaryKey: [], foreignKeys: [], correlations, malformed: { count: 0, first: [] } };
}

const fieldsOf = (yaml: string) => parseSpecText(yaml, 'profiled.yaml').spec.datasets[0]!.fields! as Record<string, { correlate?: unknown }>;
type Partner = { with: string; r: number };
const partners = (c: unknown): Partner[] => (c === undefined ? [] : Array.isArray(c) ? (c as Partner[]) : [c as Partner]);
/** Uniform marginals: values correlate by (6/π)·asin(ρ/2) for latent ρ, so ρ = 2·sin(π·r/6). */
const uniformLatent = (r: number) => 2 * Math.sin((Math.PI * r) / 6);

describe('specFromProfile: correlations', () => {
  it('a column keeps every correlation with an earlier column, strongest first; one stays an object', () => {
    const fields = fieldsOf(specFromProfile([table([{ a: 'a', b: 'b', r: 0.3 }, { a: 'a', b: 'c', r: 0.2 }, { a: 'b', b: 'c', r: 0.6 }])], 'metrics.csv'));
    expect(fields.a!.correlate).toBeUndefined();
    expect(Array.isArray(fields.b!.correlate)).toBe(false);
    expect(partners(fields.b!.correlate).map((p) => p.with)).toEqual(['a']);
    expect(partners(fields.c!.correlate).map((p) => p.with)).toEqual(['b', 'a']);
    // Written as the latent r whose values correlate as the source's did.
    expect(partners(fields.b!.correlate)[0]!.r).toBeCloseTo(uniformLatent(0.3), 2);
    expect(partners(fields.c!.correlate)[0]!.r).toBeCloseTo(uniformLatent(0.6), 2);
  });

  it('correlations that cannot hold together lose their weakest partner: the spec written loads and runs', () => {
    // a ~ b at -0.9 leaves no room for c to follow both at 0.9 (shrinking them by a third is not enough).
    const t = table([{ a: 'a', b: 'b', r: -0.9 }, { a: 'a', b: 'c', r: 0.9 }, { a: 'b', b: 'c', r: 0.85 }, { a: 'c', b: 'd', r: 0.5 }]);
    const fields = fieldsOf(specFromProfile([t], 'metrics.csv'));
    expect(partners(fields.c!.correlate).map((p) => p.with)).toEqual(['a']);
    expect(partners(fields.c!.correlate)[0]!.r).toBeCloseTo(uniformLatent(0.9), 2);
    expect(partners(fields.d!.correlate).map((p) => p.with)).toEqual(['c']);
  });

  it('correlations just past what can hold are shrunk together, not dropped', () => {
    // c is nearly a + b: its two r values, calibrated one by one, ask for a little more than all of its variance.
    const t = table([{ a: 'a', b: 'c', r: 0.7 }, { a: 'b', b: 'c', r: 0.7 }]);
    const got = partners(fieldsOf(specFromProfile([t], 'metrics.csv')).c!.correlate);
    expect(got.map((p) => p.with)).toEqual(['a', 'b']);
    expect(got[0]!.r ** 2 + got[1]!.r ** 2).toBeLessThan(1);
    expect(got[0]!.r ** 2 + got[1]!.r ** 2).toBeGreaterThan(0.9);
  });
});
