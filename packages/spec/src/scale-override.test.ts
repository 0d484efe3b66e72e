import { describe, expect, it } from 'vitest';
import { UsageError } from '@synthfarm/core';
import { parseSpecText } from './load-spec.js';

const TWO = `
version: 1
datasets:
  - name: customers
    count: 10
    fields: { id: { kind: sequence } }
  - name: orders
    count: 33
    fields: { id: { kind: sequence } }
`;

describe('--scale', () => {
  it("multiplies every dataset's count of a multi-dataset spec, rounded", () => {
    const { spec } = parseSpecText(TWO, 'two.yaml', { env: {}, overrides: { scale: 10 } });
    expect(spec.datasets.map((d) => d.count)).toEqual([100, 330]);
    const half = parseSpecText(TWO, 'two.yaml', { env: {}, overrides: { scale: 0.5 } }).spec;
    expect(half.datasets.map((d) => d.count)).toEqual([5, 17]);
  });

  it('never scales a dataset down to nothing', () => {
    const { spec } = parseSpecText(TWO, 'two.yaml', { env: {}, overrides: { scale: 0.001 } });
    expect(spec.datasets.map((d) => d.count)).toEqual([1, 1]);
  });

  it('applies after --count on a one-dataset spec', () => {
    const { spec } = parseSpecText('count: 7\nfields: { id: { kind: sequence } }\n', 'p.yaml', { env: {}, overrides: { count: 20, scale: 3 } });
    expect(spec.datasets[0]!.count).toBe(60);
  });

  it('a scaled count is still held to the count limit', () => {
    expect(() => parseSpecText(TWO, 'two.yaml', { env: {}, overrides: { scale: 1e12 } })).toThrow(/count/);
  });

  it('a scale that is not > 0 is a usage error', () => {
    expect(() => parseSpecText(TWO, 'two.yaml', { env: {}, overrides: { scale: 0 } })).toThrow(UsageError);
    expect(() => parseSpecText(TWO, 'two.yaml', { env: {}, overrides: { scale: -1 } })).toThrow('--scale must be a number > 0, got -1');
  });
});
