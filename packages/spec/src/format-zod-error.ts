import type { z } from 'zod';
import { FIELD_KINDS } from './field-schema.js';
import { clip } from './spec-limits.js';

/** `['datasets', 0, 'fields', 'age', 'sd']` → `datasets[0].fields.age.sd`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/**
 * Turns the first zod issue into `path: rule` text a user can act on.
 * Zod's default union messages say little; an unknown `kind` is named with the kinds there are.
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): { path: string; rule: string } {
  const path = formatPath(issue.path);
  const here = valueAt(input, issue.path);
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'kind') {
    if (here === undefined) return { path, rule: `is required (one of: ${FIELD_KINDS.join(', ')})` };
    if (typeof here !== 'string') return { path, rule: `must be a field kind (one of: ${FIELD_KINDS.join(', ')}), got ${describeValue(here)}` };
    return { path, rule: `unknown field kind '${clip(here, 40)}' (expected one of: ${FIELD_KINDS.join(', ')})` };
  }
  // A value of none of a union's types (`values: [a, 1, true]` got a list): name the types.
  if (issue.code === 'invalid_union' && issue.errors.length && issue.errors.every((branch) => branch[0]?.code === 'invalid_type' && branch[0].path.length === 0)) {
    const types = issue.errors.map((branch) => (branch[0] as { expected: string }).expected);
    return { path, rule: `must be ${types.slice(0, -1).join(', ')}${types.length > 1 ? ' or ' : ''}${types.at(-1)}, got ${describeValue(here)}` };
  }
  if (issue.code === 'unrecognized_keys') {
    return { path, rule: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.slice(0, 5).map((k) => `'${clip(k, 40)}'`).join(', ')}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ''}` };
  }
  // A bad record key (a field name): the rule is on the key's own schema, zod only says "Invalid key".
  if (issue.code === 'invalid_key') return { path, rule: issue.issues[0]?.message ?? issue.message };
  if (issue.code === 'invalid_type' && here === undefined) return { path, rule: 'is required' };
  if (issue.code === 'invalid_type') return { path, rule: `must be ${issue.expected}, got ${describeValue(here)}` };
  if (issue.code === 'invalid_value') return { path, rule: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` };
  return { path, rule: issue.message };
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${clip(JSON.stringify(v) ?? String(v))}`;
}
