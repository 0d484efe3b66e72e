import { describe, expect, it } from 'vitest';
import { parseSpecText } from './load-spec.js';

const spec = (output: string, count = 2500) => `
datasets:
  - name: customers
    count: ${count}
    fields: { id: { kind: sequence } }
output: ${output}
`;

/** `output.split`, `output.gzip`, `formats: [parquet]`: defaults, and bad values named with their rule. */
describe('output options', () => {
  it('defaults: one file, no gzip, 10,000-record Parquet row groups', () => {
    const { spec: s } = parseSpecText(spec('{ formats: [parquet] }'), 'spec.yaml');
    expect(s.output).toMatchObject({ formats: ['parquet'], gzip: false, parquet: { rowGroupRows: 10_000 } });
    expect(s.output.split).toBeUndefined();
  });

  it.each([
    ['{ split: { rows: 0 } }', 'output.split.rows: must be > 0'],
    ['{ split: { rows: 2.5 } }', 'output.split.rows: must be int, got number 2.5'],
    ['{ split: { records: 10 } }', 'output.split'],
    ['{ formats: [csv, xlsx] }', 'output.formats[1]: must be one of "csv", "jsonl", "parquet"'],
    ['{ gzip: yes }', 'output.gzip'],
    ['{ parquet: { rowGroupRows: 2000000 } }', 'output.parquet.rowGroupRows: must be <= 1000000'],
  ])('%s: %s', (output, message) => {
    expect(() => parseSpecText(spec(output), 'spec.yaml')).toThrow(message);
  });

  it('a split into more than 10,000 parts of one dataset is refused, with the rows that would do', () => {
    expect(() => parseSpecText(spec('{ split: { rows: 10 } }', 200_000), 'spec.yaml')).toThrow(
      'output.split.rows: 10 records per part cuts customers (200000 records) into 20000 parts; at most 10000 per dataset: use rows >= 20',
    );
    expect(() => parseSpecText(spec('{ split: { rows: 20 } }', 200_000), 'spec.yaml')).not.toThrow();
  });
});
