import { describe, expect, it } from 'vitest';
import { farmKeys } from './keys.js';

describe('farmKeys.runOfEvents', () => {
  const cases: Array<[prefix: string | undefined, runId: string]> = [
    [undefined, '20300101-120000-ab12cd'],
    [undefined, 'r'],
    [undefined, 'id:with:colons'],
    ['{tenant-7}', 'x-events'],
  ];
  it.each(cases)('prefix %s: the run id %s round-trips through its channel name', (prefix, runId) => {
    const keys = farmKeys(prefix);
    expect(keys.runOfEvents(keys.events(runId))).toBe(runId);
  });

  it('is undefined for channels that are not a run event channel', () => {
    const keys = farmKeys();
    for (const ch of ['{synthfarm}:runs', '{synthfarm}:run::events', '{other}:run:a:events', '{synthfarm}:run:a:done']) expect(keys.runOfEvents(ch)).toBeUndefined();
  });
});
