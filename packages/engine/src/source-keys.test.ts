import { describe, expect, it } from 'vitest';
import type { DatasetSpec } from '@synthfarm/spec';
import type { BatchOutput } from './batch-output.js';
import { createDuplicateFilter } from './source-keys.js';

describe('createDuplicateFilter', () => {
  const ds = { name: 'customers', count: 100, source: { from: 'legacy', key: 'id', onDuplicate: 'reject' } } as unknown as DatasetSpec;
  const batch = (keys: unknown[]): BatchOutput => ({ count: keys.length, lines: {}, dropped: [], refValues: [], rejects: [], routing: [], backends: {}, sourceKeys: keys });

  it('a key seen before is a reject, however it is written: integers as numbers, anything else as text', () => {
    const filter = createDuplicateFilter(ds, undefined, ['3']);
    const first = batch(['1', '01', '1.0', '9007199254740993', 'x', '12', '-1', '3']);
    expect(filter(first, 0)).toEqual(['1', '01', '1.0', '9007199254740993', 'x', '12', '-1']);
    expect(first.dropped).toEqual([7]);
    const second = batch(['12', '01', 'y', '9007199254740993', '-1', '2', '1', '']);
    expect(filter(second, 8)).toEqual(['y', '2']);
    expect(second.dropped).toEqual([0, 1, 3, 4, 6, 7]);
    expect(second.rejects.map((r) => r.reason)).toEqual(['duplicate_key', 'duplicate_key', 'duplicate_key', 'duplicate_key', 'duplicate_key', 'missing_key']);
  });

  it('integer keys near and past the dense bitmap (2^20 for this count) are told apart and caught again', () => {
    const filter = createDuplicateFilter(ds, undefined, ['1048576']);
    const keys = ['0', '31', '32', '1048575', '1048576', '1048577', '5000000', '9007199254740991'];
    const first = batch([...keys]);
    expect(filter(first, 0)).toEqual(keys.filter((k) => k !== '1048576'));
    const again = batch([...keys].reverse());
    expect(filter(again, 8)).toEqual([]);
    expect(again.dropped).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
