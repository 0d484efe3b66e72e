import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sampleJsonSchema } from './schema-sample.js';

/** Validates with zod's own JSON Schema reader, so the check is independent of the generator. */
function validates(schema: Record<string, unknown>, value: unknown): boolean {
  const result = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value);
  if (!result.success) console.error(JSON.stringify(value), result.error.issues);
  return result.success;
}

const person = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 40 },
    email: { type: 'string', format: 'email' },
    id: { type: 'string', format: 'uuid' },
    born: { type: 'string', format: 'date' },
    seen: { type: 'string', format: 'date-time' },
    age: { type: 'integer', minimum: 18, maximum: 90 },
    score: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    tier: { type: 'string', enum: ['free', 'premium', 'enterprise'] },
    active: { type: 'boolean' },
    nickname: { type: ['string', 'null'], minLength: 2, maxLength: 12 },
    note: { anyOf: [{ type: 'string', maxLength: 30 }, { type: 'null' }] },
    kind: { const: 'customer' },
    bio: { type: 'string', description: 'A one-sentence bio', minLength: 10, maxLength: 120 },
    tags: { type: 'array', items: { type: 'string', maxLength: 15 }, maxItems: 3 },
    nothing: { type: 'null' },
  },
  required: ['name', 'email', 'id', 'born', 'seen', 'age', 'score', 'tier', 'active', 'nickname', 'note', 'kind', 'bio', 'tags', 'nothing'],
  additionalProperties: false,
} as const;

describe('sampleJsonSchema', () => {
  it.each([
    ['object with formats, bounds, enums, nullables and const', person],
    ['exact array length', { type: 'array', items: person, minItems: 7, maxItems: 7 }],
    ['numbers with multipleOf', { type: 'number', minimum: 0, maximum: 10, multipleOf: 0.5 }],
    ['integer with only a maximum', { type: 'integer', maximum: -5 }],
    ['record of integers', { type: 'object', additionalProperties: { type: 'integer' } }],
    ['tuple via prefixItems', { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], minItems: 2, maxItems: 2 }],
    ['unique short strings', { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c', 'd'] }, uniqueItems: true, minItems: 3, maxItems: 3 }],
    ['tiny maxLength', { type: 'string', minLength: 1, maxLength: 3 }],
    ['allOf merge', { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'integer' } }, required: ['b'] }] }],
  ])('%s validates for many seeds', (_name, schema) => {
    for (let seed = 0; seed < 25; seed++) {
      expect(validates(schema as Record<string, unknown>, sampleJsonSchema(schema, { seed }))).toBe(true);
    }
  });

  it('honours minItems == maxItems exactly, also for nested arrays', () => {
    const schema = { type: 'object', properties: { rows: { type: 'array', minItems: 13, maxItems: 13, items: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2 } } }, required: ['rows'] };
    const value = sampleJsonSchema(schema, { seed: 3 }) as { rows: number[][] };
    expect(value.rows).toHaveLength(13);
    for (const row of value.rows) expect(row).toHaveLength(2);
  });

  it('merges allOf branches (zod\'s reader is lenient there, so check by hand)', () => {
    const value = sampleJsonSchema({ allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'integer' } }, required: ['b'] }] }, { seed: 2 });
    expect(value).toEqual({ a: expect.any(String), b: expect.any(Number) });
  });

  it('resolves local $refs and terminates on recursive schemas', () => {
    const schema = {
      type: 'object',
      properties: { root: { $ref: '#/$defs/node' } },
      required: ['root'],
      $defs: { node: { type: 'object', properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['label'] } },
    };
    const value = sampleJsonSchema(schema, { seed: 1 }) as { root: { label: string } };
    expect(typeof value.root.label).toBe('string');
    expect(JSON.stringify(value).length).toBeLessThan(200_000);
  });

  it('is deterministic: same schema and seed → same value; another seed → another value', () => {
    const a = JSON.stringify(sampleJsonSchema(person, { seed: 42 }));
    expect(JSON.stringify(sampleJsonSchema(person, { seed: 42 }))).toBe(a);
    expect(JSON.stringify(sampleJsonSchema(person, { seed: 43 }))).not.toBe(a);
  });

  it('writes plausible text guided by property names', () => {
    const value = sampleJsonSchema(
      { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' }, bio: { type: 'string' }, city: { type: 'string' } }, required: ['name', 'email', 'bio', 'city'] },
      { seed: 5 },
    ) as Record<string, string>;
    const [first = '', last = ''] = (value.name ?? '').split(' ');
    expect(value.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    // One record describes one person.
    expect(value.email).toBe(`${first.toLowerCase()}.${last.toLowerCase()}@example.com`);
    expect(value.bio).toMatch(new RegExp(`^${first} is an? .+ from ${value.city}\\.`));
  });

  it('answers a bare object schema with a small object of words', () => {
    const value = sampleJsonSchema({ type: 'object' }, { seed: 9 });
    expect(typeof value).toBe('object');
    expect(Object.keys(value as object).length).toBeGreaterThan(0);
  });
});
