import { describe, expect, it } from 'vitest';
import { SpecError } from '@synthfarm/core';
import { DatasetSchema, LlmField } from '@synthfarm/spec';
import { batchJsonSchema, llmField, modelFieldsOf, recordCheck } from './model-fields.js';

const llm = (f: Record<string, unknown>) => LlmField.parse({ kind: 'llm', prompt: 'p', ...f });

describe('llmField: kind llm → JSON schema and zod check', () => {
  const cases = [
    { name: 'free text with maxLength', spec: { maxLength: 40 }, json: { type: 'string', minLength: 1, maxLength: 40 }, ok: ['a', 'x'.repeat(40)], bad: ['', 'x'.repeat(41), 3, null] },
    { name: 'free text with minLength', spec: { minLength: 5 }, json: { type: 'string', minLength: 5 }, ok: ['hello'], bad: ['hey'] },
    { name: 'enum', spec: { values: ['happy', 'sad'] }, json: { type: 'string', enum: ['happy', 'sad'] }, ok: ['happy', 'sad'], bad: ['Happy', 'meh', ''] },
    { name: 'integer in a range', spec: { type: 'integer', min: 1, max: 10 }, json: { type: 'integer', minimum: 1, maximum: 10 }, ok: [1, 10, 5], bad: [0, 11, 2.5, '5'] },
    { name: 'number with a lower bound', spec: { type: 'number', min: 0 }, json: { type: 'number', minimum: 0 }, ok: [0, 3.25], bad: [-0.1, 'x'] },
    { name: 'boolean', spec: { type: 'boolean' }, json: { type: 'boolean' }, ok: [true, false], bad: ['true', 0] },
  ];
  it.each(cases)('$name', ({ spec, json, ok, bad }) => {
    const f = llmField('x', llm(spec));
    expect(f.json).toEqual(json);
    for (const v of ok) expect(f.zod.safeParse(v).success, JSON.stringify(v)).toBe(true);
    for (const v of bad) expect(f.zod.safeParse(v).success, JSON.stringify(v)).toBe(false);
  });

  it('budgets output tokens by the field: long text costs more than an enum or a number', () => {
    const text = llmField('bio', llm({ maxLength: 400 })).tokens;
    expect(text).toBeGreaterThan(llmField('mood', llm({ values: ['a', 'b'] })).tokens);
    expect(text).toBeGreaterThan(llmField('n', llm({ type: 'integer' })).tokens);
    expect(text).toBeGreaterThan(llmField('bio', llm({ maxLength: 40 })).tokens);
  });

  it('keeps the prompt and nullRate', () => {
    expect(llmField('bio', llm({ prompt: 'About {{name}}', nullRate: 0.25 }))).toMatchObject({ name: 'bio', prompt: 'About {{name}}', nullRate: 0.25 });
  });
});

describe('modelFieldsOf', () => {
  it('takes only llm fields of a fields: dataset, in spec order, minus enrich fields', () => {
    const ds = DatasetSchema.parse({
      name: 'people', count: 1,
      fields: {
        id: { kind: 'sequence' },
        bio: { kind: 'llm', prompt: 'a bio' },
        age: { kind: 'uniform', min: 1, max: 2 },
        mood: { kind: 'llm', prompt: 'a mood', values: ['a'] },
        persona: { kind: 'llm', prompt: 'a persona' },
      },
    });
    expect(modelFieldsOf(ds, 'datasets[0]').map((f) => f.name)).toEqual(['bio', 'mood', 'persona']);
    expect(modelFieldsOf(ds, 'datasets[0]', new Set(['persona'])).map((f) => f.name)).toEqual(['bio', 'mood']);
  });

  it('takes every field of a shape', () => {
    const ds = DatasetSchema.parse({ name: 'p', count: 1, shape: { a: 'string', b: 0, c: true } });
    expect(modelFieldsOf(ds, 'datasets[0]').map((f) => f.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('shape → JSON schema and zod check', () => {
  const field = (node: unknown) => {
    const ds = DatasetSchema.parse({ name: 'p', count: 1, shape: { x: node } });
    return modelFieldsOf(ds, 'datasets[0]')[0]!;
  };
  const cases = [
    { name: '"string"', node: 'string', json: { type: 'string', minLength: 1, maxLength: 400 }, ok: ['hi'], bad: ['', 1, null] },
    { name: 'a hint string', node: 'a US city', json: { type: 'string', minLength: 1, maxLength: 400, description: 'a US city' }, ok: ['Austin'], bad: [''] },
    { name: 'a number', node: 0, json: { type: 'number' }, ok: [0, 12.5, -3], bad: ['1', null] },
    { name: 'a boolean', node: true, json: { type: 'boolean' }, ok: [true, false], bad: ['true'] },
    { name: 'null', node: null, json: { type: 'null' }, ok: [null], bad: [0, ''] },
    { name: '"a|b|c" enum', node: 'toys | books|food', json: { type: 'string', enum: ['toys', 'books', 'food'] }, ok: ['toys', 'food'], bad: ['Toys', 'toys | books'] },
    { name: '"ISO-8601"', node: 'ISO-8601', json: { type: 'string', format: 'date-time' }, ok: ['2024-03-01T10:00:00Z', '2024-03-01T10:00:00+02:00', '2024-03-01'], bad: ['yesterday', '2024-13-01', '03/01/2024'] },
    { name: 'array of strings', node: ['string'], json: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 400 }, minItems: 1, maxItems: 5 }, ok: [['a'], ['a', 'b', 'c', 'd', 'e']], bad: [[], ['a', 'b', 'c', 'd', 'e', 'f'], 'a', [1]] },
    {
      name: 'nested object',
      node: { w: 0, unit: 'cm|in' },
      json: { type: 'object', properties: { w: { type: 'number' }, unit: { type: 'string', enum: ['cm', 'in'] } }, required: ['w', 'unit'], additionalProperties: false },
      ok: [{ w: 1, unit: 'cm' }],
      bad: [{ w: 1 }, { w: '1', unit: 'cm' }, { w: 1, unit: 'mm' }],
    },
    {
      name: 'array of objects',
      node: [{ sku: 'string', qty: 0 }],
      json: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string', minLength: 1, maxLength: 400 }, qty: { type: 'number' } }, required: ['sku', 'qty'], additionalProperties: false }, minItems: 1, maxItems: 5 },
      ok: [[{ sku: 'A1', qty: 2 }]],
      bad: [[{ sku: 'A1' }], [{ sku: '', qty: 1 }]],
    },
  ];
  it.each(cases)('$name', ({ node, json, ok, bad }) => {
    const f = field(node);
    expect(f.json).toEqual(json);
    expect(f.prompt).toBe('');
    for (const v of ok) expect(f.zod.safeParse(v).success, JSON.stringify(v)).toBe(true);
    for (const v of bad) expect(f.zod.safeParse(v).success, JSON.stringify(v)).toBe(false);
  });

  it('an array with other than one element is a spec error naming its path and the rule', () => {
    const ds = DatasetSchema.parse({ name: 'p', count: 1, shape: { tags: ['a', 'b'] } });
    expect(() => modelFieldsOf(ds, 'datasets[2]')).toThrow(SpecError);
    expect(() => modelFieldsOf(ds, 'datasets[2]')).toThrow(/datasets\[2\]\.shape\.tags.*exactly one element/);
  });
});

describe('batchJsonSchema and recordCheck', () => {
  const fields = [llmField('bio', llm({ maxLength: 20 })), llmField('mood', llm({ values: ['a', 'b'] }))];

  it('asks for exactly n records with exactly the model fields', () => {
    const s = batchJsonSchema(fields, 7) as { properties: { records: Record<string, unknown> }; required: string[]; additionalProperties: boolean };
    expect(s.required).toEqual(['records']);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.records).toMatchObject({
      type: 'array', minItems: 7, maxItems: 7,
      items: { type: 'object', properties: { bio: fields[0]!.json, mood: fields[1]!.json }, required: ['bio', 'mood'], additionalProperties: false },
    });
  });

  it('checks a record: every field present and valid; extra keys (e.g. a code field) are dropped', () => {
    const check = recordCheck(fields);
    expect(check.safeParse({ bio: 'hi', mood: 'a' }).success).toBe(true);
    expect(check.safeParse({ bio: 'hi' }).success).toBe(false);
    expect(check.safeParse({ bio: 'x'.repeat(21), mood: 'a' }).success).toBe(false);
    expect(check.parse({ bio: 'hi', mood: 'b', id: 999 })).toEqual({ bio: 'hi', mood: 'b' });
  });
});
