import type { DatasetSpec, FieldSpec, Spec } from '@synthfarm/spec';

/** One column of a target table, from a top-level field of its dataset. */
export interface TargetColumn {
  name: string;
  type: string;
  /** `dataset.field` this column references (a `ref` field, or `references:` on from/pseudonym). */
  references?: { dataset: string; field: string };
}

/** A dataset as a PostgreSQL table (DESIGN §9): columns, primary key, foreign keys. */
export interface TargetTable {
  dataset: string;
  columns: TargetColumn[];
  /** The key column: the field reading the source key, else the first unique field; none → insert only. */
  primaryKey?: string;
}

/** The PostgreSQL type a field's values load as. */
export function columnType(f: FieldSpec): string {
  switch (f.kind) {
    case 'sequence': case 'poisson': return 'bigint';
    case 'uniform': case 'normal': case 'lognormal': case 'exponential': return f.integer ? 'bigint' : 'double precision';
    case 'bool': return 'boolean';
    case 'date': return 'date';
    case 'datetime': return 'timestamptz';
    case 'object': case 'array': return 'jsonb';
    case 'llm': return f.type === 'integer' ? 'bigint' : f.type === 'number' ? 'double precision' : f.type === 'boolean' ? 'boolean' : 'text';
    case 'from':
      if (f.parse && typeof f.parse === 'object' && 'number' in f.parse) return 'numeric';
      if (f.parse && typeof f.parse === 'object' && 'date' in f.parse) return f.parse.date.some((d) => /H|m|s/.test(d)) ? 'timestamptz' : 'date';
      return 'text';
    default: return 'text';
  }
}

/** The table of dataset `ds`. */
export function targetTable(ds: DatasetSpec): TargetTable {
  const fields = Object.entries(ds.fields ?? {});
  const columns = fields.map(([name, f]): TargetColumn => {
    const ref = f.kind === 'ref' ? { dataset: f.dataset, field: f.field } : (f.kind === 'from' || f.kind === 'pseudonym') && f.references ? splitRef(f.references) : undefined;
    return { name, type: columnType(f), ...(ref ? { references: ref } : {}) };
  });
  const key = ds.source?.key;
  const pk = fields.find(([, f]) => (f.kind === 'from' || f.kind === 'pseudonym') && f.column === key && (f.kind === 'from' || f.unique))?.[0]
    ?? fields.find(([, f]) => f.unique && f.kind !== 'object' && f.kind !== 'array')?.[0];
  return { dataset: ds.name, columns, ...(pk ? { primaryKey: pk } : {}) };
}

function splitRef(r: string): { dataset: string; field: string } {
  const dot = r.indexOf('.');
  return { dataset: r.slice(0, dot), field: r.slice(dot + 1) };
}

/** Every dataset's table, in the order they load: a dataset after those it references (spec order already is). */
export function targetTables(spec: Spec): TargetTable[] {
  return spec.datasets.filter((d) => d.fields).map(targetTable);
}
