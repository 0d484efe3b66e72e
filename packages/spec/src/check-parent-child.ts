import { SpecError } from '@synthfarm/core';
import type { FieldSpec, PerParentSpec } from './field-schema.js';
import { fieldPaths } from './field-paths.js';
import type { Spec } from './spec-schema.js';

/** Most hours a weighted datetime's range may span (its weights table holds one number per hour). */
export const MAX_WEIGHTED_HOURS = 2_000_000;

/**
 * Parent/child rules (`ref` with `perParent`, `after`) and weighted datetimes: a dataset has at
 * most one perParent ref, its parents' key is never null, and `after` names a date of the
 * parent that ref points at, on every parent row.
 */
export function checkParentChild(spec: Spec, d: number): void {
  const ds = spec.datasets[d]!;
  if (!ds.fields) return;
  const at = `datasets[${d}]`;
  const paths = fieldPaths(ds.fields);
  const fp = (path: string) => `${at}.fields.${path.split('.').join('.fields.')}`;
  let parentRef: { path: string; dataset: string } | undefined;
  for (const [path, f] of paths) {
    if (f.kind === 'ref' && f.perParent) {
      if (parentRef) throw new SpecError(`${fp(path)}.perParent`, `a dataset has one parent: ${parentRef.path} already has perParent`);
      parentRef = { path, dataset: f.dataset };
      if (f.nullRate) throw new SpecError(`${fp(path)}.nullRate`, 'a child always has its parent: nullRate does not apply with perParent');
      checkPerParent(f.perParent, `${fp(path)}.perParent`);
      const parent = spec.datasets.find((o) => o.name === f.dataset);
      if (parent?.fields && mayBeNull(parent.fields, f.field)) throw new SpecError(`${fp(path)}.field`, `'${f.dataset}.${f.field}' can be null (nullRate): perParent needs a value on every parent row`);
    }
  }
  for (const [path, f] of paths) {
    if ((f.kind === 'date' || f.kind === 'datetime') && f.after) checkAfter(spec, d, f.after, `${fp(path)}.after`, parentRef);
    if (f.kind === 'datetime' && f.weights) {
      const hours = (Date.parse(f.to) - Date.parse(f.from)) / 3_600_000;
      if (hours > MAX_WEIGHTED_HOURS) throw new SpecError(`${fp(path)}.weights`, `from..to spans ${Math.ceil(hours)} hours; weights apply to at most ${MAX_WEIGHTED_HOURS} (about 228 years)`);
    }
  }
  for (const [path, f] of paths) if (f.kind === 'array') checkArrayItems(f.of, `${fp(path)}.of`);
}

/** A count distribution whose `zeroRate` leaves the rest at least 1 must be able to give 1 or more. */
function checkPerParent(p: PerParentSpec, path: string): void {
  if (p.zeroRate === undefined || p.zeroRate === 1) return;
  const canBePositive = p.kind === 'poisson' ? p.max !== 0 : p.kind === 'uniform' ? p.max >= 1 : Object.entries(p.weights).some(([k, w]) => Number(k) >= 1 && w > 0);
  if (!canBePositive) throw new SpecError(`${path}.zeroRate`, `the parents with children draw at least 1 from ${p.kind}, which only gives 0`);
}

function checkAfter(spec: Spec, d: number, after: string, path: string, parentRef: { path: string; dataset: string } | undefined): void {
  const dot = after.indexOf('.');
  const [dataset, field] = [after.slice(0, dot), after.slice(dot + 1)];
  const target = spec.datasets.findIndex((o) => o.name === dataset);
  if (target < 0) throw new SpecError(path, `refers to dataset '${dataset}', which this spec does not define`);
  if (target >= d) throw new SpecError(path, `must refer to an earlier dataset; '${dataset}' is generated ${target === d ? 'by this one' : 'after this one'}`);
  if (!parentRef || parentRef.dataset !== dataset) throw new SpecError(path, `needs a ref to '${dataset}' with perParent in this dataset: the parent row is the one whose child this record is`);
  const tf = spec.datasets[target]!.fields;
  const f = tf ? fieldPaths(tf).get(field) : undefined;
  if (!f) throw new SpecError(path, `dataset '${dataset}' has no field '${field}'${tf ? '' : ' written by code (a shape dataset)'}`);
  if (f.kind !== 'date' && f.kind !== 'datetime') throw new SpecError(path, `'${after}' is ${f.kind}; after needs a date or datetime field`);
  if (mayBeNull(tf!, field)) throw new SpecError(path, `'${after}' can be null (nullRate): after needs a value on every parent row`);
}

function checkArrayItems(f: FieldSpec, path: string): void {
  if (f.kind === 'ref' && f.perParent) throw new SpecError(`${path}.perParent`, 'applies to fields of a record, not to the items of an array');
  if ((f.kind === 'date' || f.kind === 'datetime') && f.after) throw new SpecError(`${path}.after`, 'applies to fields of a record, not to the items of an array');
  if (f.kind === 'object') for (const [k, c] of Object.entries(f.fields)) checkArrayItems(c, `${path}.fields.${k}`);
  if (f.kind === 'array') checkArrayItems(f.of, `${path}.of`);
}

/** True when a field, or an object it sits in, has a nullRate: some record may have no value there. */
function mayBeNull(fields: Record<string, FieldSpec>, path: string): boolean {
  let at: Record<string, FieldSpec> | undefined = fields;
  for (const seg of path.split('.')) {
    const f: FieldSpec | undefined = at?.[seg];
    if (!f) return false;
    if (f.nullRate) return true;
    at = f.kind === 'object' ? f.fields : undefined;
  }
  return false;
}
