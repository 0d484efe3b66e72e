import { empiricalOutput, empiricalValues } from './empirical.js';
import type { FieldSpec } from './field-schema.js';
import type { ShapeNode, Spec } from './spec-schema.js';

/**
 * The type of a field's values as a typed file format (Parquet) stores them. `string` also holds
 * values whose kind does not fix a type (faker methods, legacy `from` columns): a non-string
 * value is stored as its JSON text.
 */
export type ValueType =
  | { kind: 'int' | 'double' | 'string' | 'bool' | 'date' | 'timestamp' }
  | { kind: 'struct'; fields: ValueColumn[] }
  | { kind: 'list'; of: ValueType; nullable: boolean };

/** One column (or struct member) of a dataset: its name, type, and whether a value may be null. */
export interface ValueColumn {
  name: string;
  type: ValueType;
  nullable: boolean;
}

/**
 * The columns of dataset `d` as a typed format writes them, in field order, hidden fields left
 * out: derived from each field's kind (numbers with `integer` are ints, `date` is a date,
 * `object` a struct, `array` a list; a ref takes its target's type). A field is nullable when it
 * has a `nullRate`, or when its kind cannot promise a value (faker, legacy columns, shapes).
 */
export function datasetValueColumns(spec: Pick<Spec, 'datasets'>, d: number): ValueColumn[] {
  const ds = spec.datasets[d]!;
  if (ds.fields) return fieldColumns(spec, ds.fields);
  return Object.entries(ds.shape ?? {}).map(([name, node]) => ({ name, type: shapeType(node), nullable: true }));
}

function fieldColumns(spec: Pick<Spec, 'datasets'>, fields: Record<string, FieldSpec>): ValueColumn[] {
  return Object.entries(fields)
    .filter(([, f]) => !f.hidden)
    .map(([name, f]) => ({ name, type: fieldType(spec, f), nullable: !!f.nullRate || UNTYPED.has(f.kind) }));
}

/** Kinds whose values' type the spec does not fix. */
const UNTYPED = new Set<FieldSpec['kind']>(['faker', 'from', 'pseudonym']);

function fieldType(spec: Pick<Spec, 'datasets'>, f: FieldSpec): ValueType {
  switch (f.kind) {
    case 'sequence': case 'poisson': return { kind: 'int' };
    case 'uniform': case 'normal': case 'lognormal': case 'exponential': return { kind: f.integer ? 'int' : 'double' };
    case 'bool': return { kind: 'bool' };
    case 'date': return { kind: 'date' };
    case 'datetime': return { kind: 'timestamp' };
    case 'choice': return literalsType(f.values ?? Object.keys(f.weights ?? {}));
    case 'empirical': {
      if (f.weights) return literalsType(empiricalValues(f));
      const out = empiricalOutput(f);
      if (out === 'date') return { kind: 'date' };
      if (out === 'datetime') return { kind: 'timestamp' };
      return { kind: f.integer ? 'int' : 'double' };
    }
    case 'llm': return { kind: f.type === 'integer' ? 'int' : f.type === 'number' ? 'double' : f.type === 'boolean' ? 'bool' : 'string' };
    case 'ref': return refType(spec, f.dataset, f.field);
    case 'object': return { kind: 'struct', fields: fieldColumns(spec, f.fields) };
    case 'array': return { kind: 'list', of: fieldType(spec, f.of), nullable: !!f.of.nullRate || UNTYPED.has(f.of.kind) };
    default: return { kind: 'string' };
  }
}

/** A choice's type: the one all its values share (ints, numbers, booleans), else string. */
function literalsType(values: ReadonlyArray<string | number | boolean>): ValueType {
  if (values.length && values.every((v) => typeof v === 'boolean')) return { kind: 'bool' };
  if (values.length && values.every((v) => typeof v === 'number')) return { kind: values.every((v) => Number.isInteger(v)) ? 'int' : 'double' };
  return { kind: 'string' };
}

/** The type of the field a ref points at (a dot path into an earlier dataset); string when it cannot be found. */
function refType(spec: Pick<Spec, 'datasets'>, dataset: string, field: string): ValueType {
  let fields = spec.datasets.find((x) => x.name === dataset)?.fields;
  const segs = field.split('.');
  for (let i = 0; i < segs.length && fields; i++) {
    const f: FieldSpec | undefined = fields[segs[i]!];
    if (!f) break;
    if (i === segs.length - 1) return fieldType(spec, f);
    fields = f.kind === 'object' ? f.fields : undefined;
  }
  return { kind: 'string' };
}

/** A shape node's type: `0` a number, `true` a boolean, `"ISO-8601"` a timestamp, `[x]` a list, `{}` a struct. */
function shapeType(node: ShapeNode): ValueType {
  if (typeof node === 'number') return { kind: 'double' };
  if (typeof node === 'boolean') return { kind: 'bool' };
  if (node === 'ISO-8601' || node === 'datetime') return { kind: 'timestamp' };
  if (Array.isArray(node)) return { kind: 'list', of: node.length ? shapeType(node[0]!) : { kind: 'string' }, nullable: true };
  if (node && typeof node === 'object') return { kind: 'struct', fields: Object.entries(node).map(([name, n]) => ({ name, type: shapeType(n), nullable: true })) };
  return { kind: 'string' };
}
