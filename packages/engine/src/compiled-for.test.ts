import { describe, expect, it } from 'vitest';
import { parseSpecText } from '@synthfarm/spec';
import { compiledFor } from './generate-batch.js';

const SPEC = `version: 1
seed: 1
datasets:
  - name: people
    count: 10
    fields:
      id: { kind: sequence, start: 1 }
      name: { kind: faker, method: person.firstName }
`;

describe('compiledFor: a dataset is compiled once per thread', () => {
  it("a window of tasks arriving together shares one compile, not one each", async () => {
    const spec = parseSpecText(SPEC, 'test.yaml').spec;
    const task = { spec, specKey: 'compiled-for-test', datasetIndex: 0 };
    const all = await Promise.all(Array.from({ length: 8 }, () => compiledFor(task)));
    expect(new Set(all).size).toBe(1);
    expect(await compiledFor(task)).toBe(all[0]);
  });

  it('a compile that failed is tried again by the next task', async () => {
    const task = { specJson: '{not json', specKey: 'compiled-for-broken', datasetIndex: 0 };
    await expect(compiledFor(task)).rejects.toThrow();
    const spec = parseSpecText(SPEC, 'test.yaml').spec;
    await expect(compiledFor({ ...task, specJson: JSON.stringify(spec) })).resolves.toHaveProperty('dataset');
  });
});
