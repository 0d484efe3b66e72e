import { placeholders, type DatasetSpec, type LlmFieldSpec, type ShapeNode } from '@synthfarm/spec';

/** What the decision engine knows of a model-written field, read from the spec alone. */
export interface FieldProfile {
  name: string;
  /** `text` (free string), `enum`, `number`, `boolean`, `date`, `object` (shape objects and arrays). */
  type: 'text' | 'enum' | 'number' | 'boolean' | 'date' | 'object';
  maxLength?: number | undefined;
  minLength?: number | undefined;
  /** Enum size. */
  values?: number | undefined;
  /** Both bounds of a number. */
  bounded: boolean;
  /** Fields of the record its instruction names (`{{tier}}`): the answer depends on the record. */
  placeholders: number;
  promptChars: number;
  /** Output tokens of one value, roughly (as the writer budgets them). */
  tokens: number;
}

const TOKENS_PER_CHAR = 0.3;

/** Profiles of the model fields of `ds` named in `names` (in that order). */
export function fieldProfiles(ds: DatasetSpec, names: readonly string[]): FieldProfile[] {
  return names.flatMap((n) => {
    const f = ds.fields?.[n];
    if (f?.kind === 'llm') return [llmProfile(n, f as LlmFieldSpec)];
    const s = ds.shape?.[n];
    return s !== undefined ? [shapeProfile(n, s)] : [];
  });
}

function llmProfile(name: string, f: LlmFieldSpec): FieldProfile {
  const base = { name, placeholders: placeholders(f.prompt).length, promptChars: f.prompt.length, bounded: f.min !== undefined && f.max !== undefined };
  if (f.type === 'string' && f.values) return { ...base, type: 'enum', values: f.values.length, tokens: 3 };
  if (f.type === 'string') return { ...base, type: 'text', maxLength: f.maxLength, minLength: f.minLength, tokens: Math.ceil((f.maxLength ?? 200) * TOKENS_PER_CHAR) };
  return { ...base, type: f.type === 'boolean' ? 'boolean' : 'number', tokens: 4 };
}

function shapeProfile(name: string, node: ShapeNode): FieldProfile {
  const base = { name, placeholders: 0, promptChars: typeof node === 'string' ? node.length : 0, bounded: false };
  if (typeof node === 'boolean') return { ...base, type: 'boolean', tokens: 2 };
  if (typeof node === 'number') return { ...base, type: 'number', tokens: 3 };
  if (node === 'ISO-8601' || node === 'datetime') return { ...base, type: 'date', tokens: 10 };
  if (typeof node === 'string' && node.includes('|')) return { ...base, type: 'enum', values: node.split('|').length, tokens: 3 };
  if (typeof node === 'string' || node === null) return { ...base, type: 'text', maxLength: 400, tokens: 25 };
  return { ...base, type: 'object', tokens: 30 };
}
