import { describe, expect, it } from 'vitest';
import { SpecError, UniqueExhaustedError } from '@synthfarm/core';
import { validateSpec, type Spec } from '@synthfarm/spec';
import { CompiledDataset, type DataRecord } from './compile-dataset.js';
import { FakerRegistry } from './faker-registry.js';
import { UniqueIndex, withSuffix } from './unique-index.js';

function specOf(count: number, fields: Record<string, unknown>): Spec {
  return validateSpec({ seed: 7, datasets: [{ name: 'people', count, fields }] }, 't.yaml', 'test', { env: {} }).spec;
}

/** All records of a dataset, made unique in record order the way the aggregator does. */
function generateUnique(count: number, fields: Record<string, unknown>): { records: DataRecord[]; index: UniqueIndex } {
  const ds = new CompiledDataset(specOf(count, fields), 0, new FakerRegistry());
  const index = new UniqueIndex(ds);
  const records: DataRecord[] = [];
  for (let i = 0; i < count; i++) {
    const rec = ds.generate(i);
    index.admit(rec, i);
    records.push(rec);
  }
  return { records, index };
}

describe('unique', () => {
  it('a unique integer in a tight range: every value distinct, all in range', () => {
    // 2,000 records from 2,500 possible values: collisions are frequent, so redraws must work.
    const { records, index } = generateUnique(2000, { slot: { kind: 'uniform', min: 1, max: 2500, integer: true, unique: true } });
    const slots = records.map((r) => r.slot as number);
    expect(new Set(slots).size).toBe(2000);
    expect(slots.every((s) => Number.isInteger(s) && s >= 1 && s <= 2500)).toBe(true);
    expect(index.redrawn).toBeGreaterThan(100);
  });

  it('a redrawn field takes its dependents with it: the record stays consistent', () => {
    const { records } = generateUnique(300, {
      first: { kind: 'choice', values: Array.from({ length: 400 }, (_, k) => `n${k}`), unique: true },
      greeting: { kind: 'template', template: 'hello {{first}}' },
    });
    expect(new Set(records.map((r) => r.first)).size).toBe(300);
    for (const r of records) expect(r.greeting).toBe(`hello ${String(r.first)}`);
  });

  it('a unique template that collides gets a numeric suffix before the @', () => {
    const { records } = generateUnique(9, {
      first: { kind: 'choice', values: ['ann', 'bob'] },
      email: { kind: 'template', template: '{{first}}@example.com', unique: true },
    });
    const emails = records.map((r) => r.email as string);
    expect(new Set(emails).size).toBe(9);
    // The k-th record with a given name gets suffix k (the first none): ann@, ann2@, ann3@ …
    const seen = new Map<string, number>();
    records.forEach((r) => {
      const k = (seen.get(r.first as string) ?? 0) + 1;
      seen.set(r.first as string, k);
      expect(r.email).toBe(k === 1 ? `${String(r.first)}@example.com` : `${String(r.first)}${k}@example.com`);
    });
    expect(emails.filter((e) => /^(ann|bob)\d@example\.com$/.test(e)).length).toBe(7);
  });

  it('withSuffix: before the @ of an email, else at the end', () => {
    expect(withSuffix('ann.lee@example.com', 2)).toBe('ann.lee2@example.com');
    expect(withSuffix('SKU-1', 3)).toBe('SKU-13');
    expect(withSuffix('@handle', 2)).toBe('@handle2');
  });

  it('nulls are exempt: many nulls are not collisions', () => {
    const { records } = generateUnique(500, { code: { kind: 'uniform', min: 0, max: 1e6, integer: true, unique: true, nullRate: 0.5 } });
    const values = records.map((r) => r.code).filter((v) => v !== null);
    expect(records.length - values.length).toBeGreaterThan(150);
    expect(new Set(values).size).toBe(values.length);
  });

  it('an impossible unique is a spec error at validation, before any work', () => {
    expect(() => specOf(10, { plan: { kind: 'choice', values: ['a', 'b', 'c'], unique: true } })).toThrow(SpecError);
    expect(() => specOf(10, { plan: { kind: 'choice', values: ['a', 'b', 'c'], unique: true } }))
      .toThrow('datasets[0].fields.plan.unique: impossible: 10 records need 10 distinct values, but this choice field has only 3');
    // Exactly enough values is possible.
    expect(() => specOf(3, { plan: { kind: 'choice', values: ['a', 'b', 'c'], unique: true } })).not.toThrow();
  });

  it('running out of values at run time is UniqueExhaustedError naming the field and record', () => {
    // A faker method's value space is not known up front: true and false, then nothing.
    let err: unknown;
    try {
      generateUnique(10, { flag: { kind: 'faker', method: 'datatype.boolean', unique: true } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UniqueExhaustedError);
    expect((err as UniqueExhaustedError).code).toBe('UNIQUE_EXHAUSTED');
    expect((err as Error).message).toMatch(/^datasets\[0\]\.fields\.flag\.unique: ran out of distinct values at record 2 of 'people' \(2 distinct values used/);
  });
});
