import { describe, expect, it } from 'vitest';
import type { FieldSpec } from './field-schema.js';
import { compileRecordCheck } from './record-check.js';
import { recordSchema } from './record-schema.js';

// The compiled check must give the zod schema's verdict on every value: zod is the statement of
// the rules, the compiled check is how the hot path applies them.
const cases: Array<[string, FieldSpec, unknown[], unknown[]]> = [
  ['sequence', { kind: 'sequence', start: 1, step: 1 }, [1, 0, -7, 1e6], [1.5, '1', null, undefined]],
  ['uuid', { kind: 'uuid' }, ['4b653c7f-f10d-4715-84b0-8c2cb2409fb6'], ['4b653c7f', 12, null]],
  ['template', { kind: 'template', template: '{{a}}' }, ['', 'x@y'], [3, null]],
  ['normal clamped integer', { kind: 'normal', mean: 35, sd: 12, min: 18, max: 90, integer: true }, [18, 90, 35], [17, 91, 35.5, NaN, '35', null]],
  ['lognormal', { kind: 'lognormal', mu: 1, sigma: 1, min: 0 }, [0, 3.25], [-1, Infinity]],
  ['poisson', { kind: 'poisson', lambda: 2 }, [0, 5], [1.5, -0.5]],
  ['bool', { kind: 'bool', p: 0.5 }, [true, false], [0, 'true', null]],
  ['choice values', { kind: 'choice', values: ['a', 'b', 3] }, ['a', 3], ['c', '3', null]],
  ['choice weights', { kind: 'choice', weights: { free: 1, paid: 2 } }, ['free', 'paid'], ['other']],
  ['date', { kind: 'date', from: '2020-01-01T00:00:00.000Z', to: '2021-01-01T00:00:00.000Z' }, ['2020-05-06'], ['2020-5-6', '2020-05-06T00:00:00Z', 20200506]],
  ['datetime', { kind: 'datetime', from: '2020-01-01T00:00:00.000Z', to: '2021-01-01T00:00:00.000Z' }, ['2020-05-06T01:02:03Z', '2020-05-06T01:02:03.456Z'], ['2020-05-06', '2020-05-06 01:02:03']],
  ['ref', { kind: 'ref', dataset: 'a', field: 'id' }, [1, 'x', 0], [null, undefined]],
  ['nullable', { kind: 'bool', p: 0.5, nullRate: 0.2 }, [null, true], ['x']],
  ['object', { kind: 'object', fields: { city: { kind: 'template', template: 'x' }, n: { kind: 'uniform', min: 0, max: 1 } } }, [{ city: 'x', n: 0.5 }], [{ city: 'x', n: 2 }, { city: 1, n: 0 }, null, []]],
  ['array', { kind: 'array', min: 1, max: 2, of: { kind: 'choice', values: ['a', 'b'] } }, [['a'], ['a', 'b']], [[], ['a', 'b', 'a'], ['c'], 'a']],
];

describe('compileRecordCheck', () => {
  it.each(cases)('%s: agrees with the zod record schema', (_name, spec, good, bad) => {
    const fields = { f: spec };
    const check = compileRecordCheck(fields);
    const zod = recordSchema(fields);
    for (const v of [...good, ...bad]) {
      const rec = { f: v };
      expect({ v, ok: check(rec) === undefined }).toEqual({ v, ok: zod.safeParse(rec).success });
    }
    for (const v of good) expect(check({ f: v })).toBeUndefined();
    for (const v of bad) expect(check({ f: v })).toMatch(/^f(: |\.)/);
  });

  it('names the nested path of the first problem', () => {
    const check = compileRecordCheck({ address: { kind: 'object', fields: { zip: { kind: 'uniform', min: 0, max: 9, integer: true } } } });
    expect(check({ address: { zip: 12 } })).toBe('address.zip: must be <= 9');
  });

  it('skips llm fields, which are still holes at the code stage', () => {
    const check = compileRecordCheck({ bio: { kind: 'llm', prompt: 'x', type: 'string' } });
    expect(check({ bio: null })).toBeUndefined();
  });
});
