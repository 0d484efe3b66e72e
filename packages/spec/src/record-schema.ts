import { z } from 'zod';
import type { FieldSpec, LlmFieldSpec } from './field-schema.js';
import { empiricalOutput, empiricalValues } from './empirical.js';

/**
 * The zod schema a finished record must satisfy. Code fields are right by construction, but
 * the aggregator checks every record anyway: it is the last gate before a file.
 */
export function recordSchema(fields: Record<string, FieldSpec>): z.ZodType<Record<string, unknown>> {
  return z.object(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fieldValueSchema(f)]))) as unknown as z.ZodType<Record<string, unknown>>;
}

function fieldValueSchema(f: FieldSpec): z.ZodType {
  const base = valueSchema(f);
  return f.nullRate ? base.nullable() : base;
}

function valueSchema(f: FieldSpec): z.ZodType {
  switch (f.kind) {
    case 'sequence': return z.number().int();
    case 'uuid': return z.uuid();
    case 'faker': return z.unknown();
    case 'from': case 'pseudonym': return z.unknown();
    case 'template': return z.string();
    case 'uniform': case 'normal': case 'lognormal': case 'exponential': case 'poisson': {
      let s = f.integer || f.kind === 'poisson' ? z.number().int() : z.number();
      if (f.min !== undefined) s = s.min(f.min);
      if (f.max !== undefined) s = s.max(f.max);
      return s;
    }
    case 'bool': return z.boolean();
    case 'empirical': {
      const out = empiricalOutput(f);
      if (f.weights) return z.union(empiricalValues(f).map((v) => z.literal(v)) as [z.ZodLiteral, z.ZodLiteral, ...z.ZodLiteral[]]).or(z.never());
      if (out === 'date') return z.iso.date();
      if (out === 'datetime') return z.iso.datetime();
      let s = f.integer ? z.number().int() : z.number();
      if (f.min !== undefined) s = s.min(f.min);
      if (f.max !== undefined) s = s.max(f.max);
      return s;
    }
    case 'choice': {
      const values = f.values ?? Object.keys(f.weights ?? {});
      return z.union(values.map((v) => z.literal(v)) as [z.ZodLiteral, z.ZodLiteral, ...z.ZodLiteral[]]).or(z.never());
    }
    case 'date': return z.iso.date();
    case 'datetime': return z.iso.datetime({ offset: true });
    case 'ref': return z.unknown().refine((v) => v !== null && v !== undefined, 'must reference a value');
    case 'llm': return llmValueSchema(f);
    case 'object': return recordSchema(f.fields);
    case 'array': return z.array(fieldValueSchema(f.of)).min(f.min).max(f.max);
  }
}

/** What the model must return for one llm field: type, length, enum, range. */
export function llmValueSchema(f: LlmFieldSpec): z.ZodType {
  switch (f.type) {
    case 'string': {
      if (f.values) return z.enum(f.values as [string, ...string[]]);
      let s = z.string().min(Math.max(1, f.minLength ?? 1));
      if (f.maxLength !== undefined) s = s.max(f.maxLength);
      return s;
    }
    case 'integer': case 'number': {
      let s = f.type === 'integer' ? z.number().int() : z.number();
      if (f.min !== undefined) s = s.min(f.min);
      if (f.max !== undefined) s = s.max(f.max);
      return s;
    }
    case 'boolean': return z.boolean();
  }
}
