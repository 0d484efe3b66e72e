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

describe('specFromProfile: correlations', () => {
  it('a column keeps every correlation with an earlier column, strongest first; one stays an object', () => {
    const fields = fieldsOf(specFromProfile([table([{ a: 'a', b: 'b', r: 0.3 }, { a: 'a', b: 'c', r: 0.2 }, { a: 'b', b: 'c', r: 0.6 }])], 'metrics.csv'));
    expect(fields.a!.correlate).toBeUndefined();
    expect(fields.b!.correlate).toEqual({ with: 'a', r: 0.3 });
    expect(fields.c!.correlate).toEqual([{ with: 'b', r: 0.6 }, { with: 'a', r: 0.2 }]);
  });

  it('correlations that cannot hold together lose their weakest partner: the spec written loads and runs', () => {
    // a ~ b at -0.9 leaves no room for c to follow both at 0.9 (and d to follow all three).
    const t = table([{ a: 'a', b: 'b', r: -0.9 }, { a: 'a', b: 'c', r: 0.9 }, { a: 'b', b: 'c', r: 0.85 }, { a: 'c', b: 'd', r: 0.5 }]);
    const fields = fieldsOf(specFromProfile([t], 'metrics.csv'));
    expect(fields.c!.correlate).toEqual({ with: 'a', r: 0.9 });
    expect(fields.d!.correlate).toEqual({ with: 'c', r: 0.5 });
  });
});
