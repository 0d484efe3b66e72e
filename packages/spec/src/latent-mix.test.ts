import { describe, expect, it } from 'vitest';
import { SpecError } from '@synthfarm/core/errors';
import type { FieldSpec } from './field-schema.js';
import { correlationsOf, latentMixes } from './latent-mix.js';

const normal = (correlate?: unknown) => ({ kind: 'normal', mean: 0, sd: 1, ...(correlate ? { correlate } : {}) }) as FieldSpec;
const mixes = (fields: Record<string, FieldSpec>) => latentMixes(new Map(Object.entries(fields)), (p) => `fields.${p}`);

describe('latentMixes', () => {
  it('one partner: β = r and noise √(1 − r²), the draw correlate has always made', () => {
    const m = mixes({ a: normal(), b: normal({ with: 'a', r: 0.6 }) }).get('b')!;
    expect(m).toEqual({ with: ['a'], betas: [0.6], noise: Math.sqrt(1 - 0.6 * 0.6) });
  });

  it('independent partners: β = r, and the noise keeps the variance 1', () => {
    const m = mixes({ a: normal(), b: normal(), c: normal([{ with: 'a', r: 0.5 }, { with: 'b', r: -0.5 }]) }).get('c')!;
    expect(m.betas[0]).toBeCloseTo(0.5, 12);
    expect(m.betas[1]).toBeCloseTo(-0.5, 12);
    expect(m.noise).toBeCloseTo(Math.sqrt(0.5), 12);
  });

  it("correlated partners: β solves Σβ = r with Σ from the partners' own correlate", () => {
    // b ~ a 0.6; c ~ [b 0.7, a 0.2]: [[1, .6], [.6, 1]] β = [.7, .2]
    const m = mixes({ a: normal(), b: normal({ with: 'a', r: 0.6 }), c: normal([{ with: 'b', r: 0.7 }, { with: 'a', r: 0.2 }]) }).get('c')!;
    const [bb, ba] = m.betas as [number, number];
    expect(bb + 0.6 * ba).toBeCloseTo(0.7, 12);
    expect(0.6 * bb + ba).toBeCloseTo(0.2, 12);
    expect(bb * bb + ba * ba + 2 * 0.6 * bb * ba + m.noise * m.noise).toBeCloseTo(1, 12);
  });

  it('the order of the fields does not matter: a partner declared later is placed first', () => {
    const later = mixes({ c: normal([{ with: 'b', r: 0.7 }, { with: 'a', r: 0.2 }]), b: normal({ with: 'a', r: 0.6 }), a: normal() }).get('c');
    const first = mixes({ a: normal(), b: normal({ with: 'a', r: 0.6 }), c: normal([{ with: 'b', r: 0.7 }, { with: 'a', r: 0.2 }]) }).get('c');
    expect(later).toEqual(first);
  });

  it('targets no joint normal meets are a SpecError at the field', () => {
    const run = () => mixes({ a: normal(), b: normal({ with: 'a', r: -0.5 }), x: normal([{ with: 'a', r: 0.9 }, { with: 'b', r: 0.9 }]) });
    expect(run).toThrow(SpecError);
    expect(run).toThrow('fields.x.correlate: the correlations with a (0.9) and with b (0.9) cannot all hold');
  });

  it('a chain of correlates that loops back is a SpecError', () => {
    expect(() => mixes({ a: normal({ with: 'b', r: 0.5 }), b: normal({ with: 'a', r: 0.5 }) })).toThrow('correlate forms a cycle');
  });

  it('correlationsOf reads both forms, and none', () => {
    expect(correlationsOf(normal({ with: 'a', r: 0.1 }))).toEqual([{ with: 'a', r: 0.1 }]);
    expect(correlationsOf(normal([{ with: 'a', r: 0.1 }, { with: 'b', r: 0.2 }]))).toHaveLength(2);
    expect(correlationsOf(normal())).toEqual([]);
  });
});
