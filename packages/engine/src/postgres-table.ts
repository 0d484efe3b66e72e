import type { DatasetSpec, FieldSpec, ShapeNode, Spec } from '@synthfarm/spec';

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
  /**
   * The key column: the field reading the source key, else the first unique field, else the
   * first sequence or uuid field (distinct by construction) that is never null; none → insert only.
   */
  primaryKey?: string;
}

/** The PostgreSQL type a field's values load as. */
export function columnType(f: FieldSpec): string {
  switch (f.kind) {
    case 'sequence': case 'poisson': return 'bigint';
    case 'uuid': return 'uuid';
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

/** The PostgreSQL type of a `shape:` value: the skeleton's JSON kind (the model writes it, validated by it). */
function shapeType(v: ShapeNode): string {
  if (typeof v === 'number') return 'double precision';
  if (typeof v === 'boolean') return 'boolean';
  if (v !== null && typeof v === 'object') return 'jsonb';
  return 'text';
}

/** A field whose values are distinct by construction, so it can key a table nobody marked `unique`. */
const distinctByConstruction = (f: FieldSpec) => (f.kind === 'sequence' || f.kind === 'uuid') && !f.nullRate;

/** The table of dataset `ds`. Hidden fields are written to no output, so they are no column either. */
export function targetTable(ds: DatasetSpec): TargetTable {
  if (!ds.fields) return { dataset: ds.name, columns: Object.entries(ds.shape ?? {}).map(([name, v]) => ({ name, type: shapeType(v) })) };
  const fields = Object.entries(ds.fields).filter(([, f]) => !f.hidden);
  const columns = fields.map(([name, f]): TargetColumn => {
    const ref = f.kind === 'ref' ? { dataset: f.dataset, field: f.field } : (f.kind === 'from' || f.kind === 'pseudonym') && f.references ? splitRef(f.references) : undefined;
    return { name, type: columnType(f), ...(ref ? { references: ref } : {}) };
  });
  const key = ds.source?.key;
  const pk = fields.find(([, f]) => (f.kind === 'from' || f.kind === 'pseudonym') && f.column === key && (f.kind === 'from' || f.unique))?.[0]
    ?? fields.find(([, f]) => f.unique && f.kind !== 'object' && f.kind !== 'array')?.[0]
    ?? (ds.source ? undefined : fields.find(([, f]) => distinctByConstruction(f))?.[0]);
  return { dataset: ds.name, columns, ...(pk ? { primaryKey: pk } : {}) };
}

function splitRef(r: string): { dataset: string; field: string } {
  const dot = r.indexOf('.');
  return { dataset: r.slice(0, dot), field: r.slice(dot + 1) };
}

/**
 * Every dataset's table, in the order they load: a dataset after those it references (spec order
 * already is). A `ref` column takes the type of the column it references (a ref to a sequence is
 * a bigint, not text), so its foreign key can be created.
 */
export function targetTables(spec: Spec): TargetTable[] {
  const tables = spec.datasets.map(targetTable);
  const byName = new Map(tables.map((t) => [t.dataset, t]));
  for (const [i, ds] of spec.datasets.entries()) {
    for (const c of tables[i]!.columns) {
      const f = ds.fields?.[c.name];
      if (f?.kind !== 'ref' || !c.references) continue;
      const parent = byName.get(c.references.dataset)?.columns.find((p) => p.name === c.references!.field);
      if (parent) c.type = parent.type;
    }
  }
  return tables;
}
