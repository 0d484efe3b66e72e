import { generatedFunction } from '@synthfarm/core/generated-function';
import type { FieldSpec } from './field-schema.js';
import { empiricalOutput, empiricalValues } from './empirical.js';

/** Returns the first problem of a record (`age: must be <= 90`), or undefined when it is valid. */
export type RecordCheck = (rec: Record<string, unknown>) => string | undefined;

type ValueCheck = (v: unknown) => string | undefined;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
// Z, or an offset: a datetime with `tz` is written in its zone (`2024-03-31T09:15:00+02:00`).
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The invariant check every code-generated record passes before it is written: the same rules
 * as {@link recordSchema} (a test holds the two to the same verdicts), compiled to plain
 * functions. Zod parses what crosses an edge (model answers, specs, payloads); this checks
 * what our own generators made, a million times a run, without copying each record.
 * `llm` fields are skipped: they are still holes at this stage and checked with zod later.
 */
export function compileRecordCheck(fields: Record<string, FieldSpec>): RecordCheck {
  const checks = Object.entries(fields)
    .filter(([, f]) => f.kind !== 'llm')
    .map(([k, f]) => [k, fieldCheck(f)] as const);
  const named = (k: string, problem: string) => (problem.startsWith('.') ? `${k}${problem}` : `${k}: ${problem}`);
  // One straight-line function: each field read under its own name and checked by its own call
  // (monomorphic both). The loop read every field through one keyed load that saw every name, a
  // megamorphic load per field of every record (perf, a million-row migration). Names reach the
  // code as JSON string literals only; a process without code generation loops.
  const body = checks.map(([k], i) => `p = c[${i}](rec[${JSON.stringify(k)}]);\nif (p !== undefined) return named(${JSON.stringify(k)}, p);`).join('\n');
  const compiled = generatedFunction<RecordCheck>('recordCheck', { c: checks.map(([, check]) => check), named }, 'rec', `let p;\n${body}\nreturn undefined;`);
  return compiled ?? ((rec) => {
    for (const [k, check] of checks) {
      const problem = check(rec[k]);
      if (problem !== undefined) return named(k, problem);
    }
    return undefined;
  });
}

function fieldCheck(f: FieldSpec): ValueCheck {
  const check = valueCheck(f);
  if (!f.nullRate) return check;
  return (v) => (v === null ? undefined : check(v));
}

function valueCheck(f: FieldSpec): ValueCheck {
  switch (f.kind) {
    case 'sequence':
      return (v) => (Number.isInteger(v) ? undefined : 'must be an integer');
    case 'uuid':
      return (v) => (typeof v === 'string' && UUID.test(v) ? undefined : 'must be a UUID');
    case 'faker':
      return (v) => (v === undefined ? 'is missing' : undefined);
    case 'from': case 'pseudonym':
      // A legacy value (null when the legacy row had none); parse failures are rejects already.
      return (v) => (v === undefined ? 'is missing' : undefined);
    case 'template':
      return (v) => (typeof v === 'string' ? undefined : 'must be a string');
    case 'uniform': case 'normal': case 'lognormal': case 'exponential': case 'poisson': {
      const integer = f.integer || f.kind === 'poisson';
      const { min, max } = f;
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
        if (integer && !Number.isInteger(v)) return 'must be an integer';
        if (min !== undefined && v < min) return `must be >= ${min}`;
        if (max !== undefined && v > max) return `must be <= ${max}`;
        return undefined;
      };
    }
    case 'bool':
      return (v) => (typeof v === 'boolean' ? undefined : 'must be a boolean');
    case 'empirical': {
      const out = empiricalOutput(f);
      if (f.weights) {
        const allowed = new Set<unknown>(empiricalValues(f));
        return (v) => (allowed.has(v) ? undefined : 'must be one of the observed values');
      }
      if (out === 'date') return (v) => (typeof v === 'string' && DATE.test(v) ? undefined : 'must be a YYYY-MM-DD date');
      if (out === 'datetime') return (v) => (typeof v === 'string' && DATETIME.test(v) ? undefined : 'must be an ISO-8601 datetime');
      const { min, max, integer } = f;
      return (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
        if (integer && !Number.isInteger(v)) return 'must be an integer';
        if (min !== undefined && v < min) return `must be >= ${min}`;
        if (max !== undefined && v > max) return `must be <= ${max}`;
        return undefined;
      };
    }
    case 'choice': {
      const allowed = new Set<unknown>(f.values ?? Object.keys(f.weights ?? {}));
      return (v) => (allowed.has(v) ? undefined : 'must be one of the choice values');
    }
    case 'date':
      return (v) => (typeof v === 'string' && DATE.test(v) ? undefined : 'must be a YYYY-MM-DD date');
    case 'datetime':
      return (v) => (typeof v === 'string' && DATETIME.test(v) ? undefined : 'must be an ISO-8601 datetime');
    case 'ref':
      return (v) => (v === null || v === undefined ? 'must reference a value' : undefined);
    case 'llm':
      return () => undefined;
    case 'object': {
      const inner = compileRecordCheck(f.fields);
      return (v) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'must be an object';
        const p = inner(v as Record<string, unknown>);
        return p === undefined ? undefined : `.${p}`;
      };
    }
    case 'array': {
      const of = fieldCheck(f.of);
      const { min, max } = f;
      return (v) => {
        if (!Array.isArray(v)) return 'must be an array';
        if (v.length < min || v.length > max) return `must have ${min} to ${max} items`;
        for (let i = 0; i < v.length; i++) {
          const p = of(v[i]);
          if (p !== undefined) return `.${i}${p.startsWith('.') ? p : `: ${p}`}`;
        }
        return undefined;
      };
    }
  }
}
