import { SharedColumn, type RefColumns } from '@synthfarm/codegen';
import type { FieldSpec, Spec } from '@synthfarm/spec';

/**
 * Every `dataset.field` the refs of some fields point at (nested ones included), and the parent
 * dates their `after` fields read: the columns a dataset is handed.
 */
export function refTargets(fields: Record<string, FieldSpec> | undefined, out = new Set<string>()): Set<string> {
  const walk = (f: FieldSpec) => {
    if (f.kind === 'ref') out.add(`${f.dataset}.${f.field}`);
    else if ((f.kind === 'date' || f.kind === 'datetime') && f.after) out.add(f.after);
    else if (f.kind === 'object') Object.values(f.fields).forEach(walk);
    else if (f.kind === 'array') walk(f.of);
  };
  Object.values(fields ?? {}).forEach(walk);
  return out;
}

/** Every `dataset.field` some ref of the spec points at. */
export function referencedFields(spec: Spec): Set<string> {
  const out = new Set<string>();
  for (const ds of spec.datasets) refTargets(ds.fields, out);
  return out;
}

/**
 * Collects the written, non-null values of referenced fields as records commit, and hands
 * them to later datasets as shared columns.
 */
export class RefCollector {
  private readonly values = new Map<string, unknown[]>();
  private readonly columns: RefColumns = {};

  constructor(private readonly wanted: Set<string>) {}

  /** The field paths of `dataset` that later datasets reference. */
  fieldsOf(dataset: string): string[] {
    return [...this.wanted].filter((k) => k.startsWith(`${dataset}.`)).map((k) => k.slice(dataset.length + 1));
  }

  add(dataset: string, field: string, value: unknown): void {
    if (value === null || value === undefined) return;
    const key = `${dataset}.${field}`;
    let list = this.values.get(key);
    if (!list) this.values.set(key, (list = []));
    list.push(value);
  }

  /** Freezes a finished dataset's columns into shared memory. */
  finish(dataset: string): void {
    for (const field of this.fieldsOf(dataset)) {
      const key = `${dataset}.${field}`;
      this.columns[key] = SharedColumn.from(this.values.get(key) ?? []).data;
      this.values.delete(key);
    }
  }

  get shared(): RefColumns {
    return this.columns;
  }
}
