import type { SchemaElement } from 'hyparquet-writer';
import type { ValueColumn, ValueType } from '@synthfarm/spec';

/**
 * The Parquet schema of a dataset's columns, depth first as the format lists it: ints are INT64,
 * numbers DOUBLE, text UTF8, dates DATE (days), datetimes TIMESTAMP_MILLIS (UTC), an object a
 * group, an array the standard three-level LIST (`<name> (LIST) { repeated group list { element } }`).
 */
export function parquetSchema(columns: readonly ValueColumn[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) element(c.name, c.type, c.nullable, out);
  return out;
}

function element(name: string, type: ValueType, nullable: boolean, out: SchemaElement[]): void {
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (type.kind) {
    case 'int': out.push({ name, repetition_type, type: 'INT64' }); return;
    case 'double': out.push({ name, repetition_type, type: 'DOUBLE' }); return;
    case 'bool': out.push({ name, repetition_type, type: 'BOOLEAN' }); return;
    case 'string': out.push({ name, repetition_type, type: 'BYTE_ARRAY', converted_type: 'UTF8' }); return;
    case 'date': out.push({ name, repetition_type, type: 'INT32', converted_type: 'DATE' }); return;
    case 'timestamp': out.push({ name, repetition_type, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }); return;
    case 'struct':
      out.push({ name, repetition_type, num_children: type.fields.length });
      for (const f of type.fields) element(f.name, f.type, f.nullable, out);
      return;
    case 'list':
      out.push({ name, repetition_type, converted_type: 'LIST', num_children: 1 });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      element('element', type.of, type.nullable, out);
      return;
  }
}

const DAY_MS = 86_400_000;

/**
 * A JSON value (as a record's JSONL line holds it) in the form the writer takes for `type`:
 * ints as bigint, dates as days since 1970-01-01, datetimes as epoch milliseconds, structs and
 * lists converted member by member. A value of another type than the column's (a faker method
 * that returned a number, for a text column) is written as its JSON text; null stays null.
 * @throws Error naming the value when it cannot be stored in the column (a date that does not parse).
 */
export function parquetValue(type: ValueType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type.kind) {
    case 'int': return typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : mismatch(type, v);
    case 'double': return typeof v === 'number' ? v : mismatch(type, v);
    case 'bool': return typeof v === 'boolean' ? v : mismatch(type, v);
    case 'string': return typeof v === 'string' ? v : JSON.stringify(v);
    case 'date': return Math.floor(epochMs(v) / DAY_MS);
    case 'timestamp': return BigInt(epochMs(v));
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v)) return mismatch(type, v);
      const o = v as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, parquetValue(f.type, o[f.name])]));
    }
    case 'list': return Array.isArray(v) ? v.map((x) => parquetValue(type.of, x)) : mismatch(type, v);
  }
}

function epochMs(v: unknown): number {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`${JSON.stringify(v)} is not an ISO-8601 date`);
  return ms;
}

function mismatch(type: ValueType, v: unknown): never {
  throw new Error(`${JSON.stringify(v)} is not a${type.kind === 'int' ? 'n' : ''} ${type.kind}`);
}
