import { z } from 'zod';
import { SpecError } from '@synthfarm/core';
import { llmValueSchema, type DatasetSpec, type LlmFieldSpec, type ShapeNode } from '@synthfarm/spec';

/** A top-level field the model writes: its instruction, its JSON schema and its zod check. */
export interface ModelField {
  name: string;
  /** Instruction with `{{field}}` placeholders filled per record (empty for shape fields). */
  prompt: string;
  json: Record<string, unknown>;
  zod: z.ZodType;
  /** Fraction of records nulled after generation (deterministically). */
  nullRate: number;
  /** Rough output tokens one value takes, for max_tokens and the plan's estimate. */
  tokens: number;
}

const TOKENS_PER_CHAR = 0.3;

/** The fields of a dataset the model writes (llm fields, or every field of a shape). */
export function modelFieldsOf(ds: DatasetSpec, datasetPath: string, exclude: ReadonlySet<string> = new Set()): ModelField[] {
  if (ds.shape) return Object.entries(ds.shape).filter(([name]) => !exclude.has(name)).map(([name, node]) => shapeField(name, node, `${datasetPath}.shape.${name}`));
  return Object.entries(ds.fields ?? {})
    .filter(([name, f]) => f.kind === 'llm' && !exclude.has(name))
    .map(([name, f]) => llmField(name, f as LlmFieldSpec));
}

/** A field of `kind: llm`. */
export function llmField(name: string, f: LlmFieldSpec): ModelField {
  const json: Record<string, unknown> =
    f.type === 'string'
      ? f.values ? { type: 'string', enum: f.values } : { type: 'string', minLength: Math.max(1, f.minLength ?? 1), ...(f.maxLength ? { maxLength: f.maxLength } : {}) }
      : f.type === 'boolean' ? { type: 'boolean' }
      : { type: f.type, ...(f.min !== undefined ? { minimum: f.min } : {}), ...(f.max !== undefined ? { maximum: f.max } : {}) };
  const tokens = f.type === 'string' ? (f.values ? 3 : Math.ceil((f.maxLength ?? 200) * TOKENS_PER_CHAR)) : 4;
  return { name, prompt: f.prompt, json, zod: llmValueSchema(f), nullRate: f.nullRate ?? 0, tokens };
}

/**
 * A field of an LLMockApi-style shape: `"string"`, `0`, `true`, `"ISO-8601"`, `"a|b|c"`,
 * nested objects and `[{...}]` arrays. Other strings are hints ("a US city").
 */
function shapeField(name: string, node: ShapeNode, path: string): ModelField {
  const { json, zod, tokens } = shapeSchema(node, path);
  return { name, prompt: '', json, zod, nullRate: 0, tokens };
}

function shapeSchema(node: ShapeNode, path: string): { json: Record<string, unknown>; zod: z.ZodType; tokens: number } {
  if (node === null) return { json: { type: 'null' }, zod: z.null(), tokens: 1 };
  if (typeof node === 'boolean') return { json: { type: 'boolean' }, zod: z.boolean(), tokens: 2 };
  if (typeof node === 'number') return { json: { type: 'number' }, zod: z.number(), tokens: 3 };
  if (typeof node === 'string') {
    if (node === 'ISO-8601' || node === 'datetime') return { json: { type: 'string', format: 'date-time' }, zod: z.iso.datetime({ offset: true }).or(z.iso.date()), tokens: 10 };
    if (node.includes('|')) {
      const values = node.split('|').map((v) => v.trim()).filter(Boolean);
      return { json: { type: 'string', enum: values }, zod: z.enum(values as [string, ...string[]]), tokens: 3 };
    }
    const json: Record<string, unknown> = { type: 'string', minLength: 1, maxLength: 400 };
    if (node !== 'string') json.description = node;
    return { json, zod: z.string().min(1).max(400), tokens: 25 };
  }
  if (Array.isArray(node)) {
    if (node.length !== 1) throw new SpecError(path, 'a shape array holds exactly one element: the shape of its items, e.g. [{ "sku": "string" }]');
    const item = shapeSchema(node[0]!, `${path}[0]`);
    return { json: { type: 'array', items: item.json, minItems: 1, maxItems: 5 }, zod: z.array(item.zod).min(1).max(5), tokens: item.tokens * 3 };
  }
  const entries = Object.entries(node).map(([k, v]) => [k, shapeSchema(v, `${path}.${k}`)] as const);
  return {
    json: { type: 'object', properties: Object.fromEntries(entries.map(([k, s]) => [k, s.json])), required: entries.map(([k]) => k), additionalProperties: false },
    zod: z.object(Object.fromEntries(entries.map(([k, s]) => [k, s.zod]))),
    tokens: entries.reduce((n, [, s]) => n + s.tokens + 3, 2),
  };
}

/** JSON schema of one call's answer: `{records: [...]}` with exactly `n` items. */
export function batchJsonSchema(fields: ModelField[], n: number): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      records: {
        type: 'array',
        minItems: n,
        maxItems: n,
        items: {
          type: 'object',
          properties: Object.fromEntries(fields.map((f) => [f.name, f.json])),
          required: fields.map((f) => f.name),
          additionalProperties: false,
        },
      },
    },
    required: ['records'],
    additionalProperties: false,
  };
}

/** Zod check of one record's model-written values. */
export function recordCheck(fields: ModelField[]): z.ZodType<Record<string, unknown>> {
  return z.object(Object.fromEntries(fields.map((f) => [f.name, f.zod]))) as unknown as z.ZodType<Record<string, unknown>>;
}
