import type { FieldSpec } from './field-schema.js';
import { isTemplateFilter, TEMPLATE_FILTERS } from './template-filters.js';

/**
 * Every addressable field of a dataset by its dot path (`address.city`), in column order.
 * Fields inside arrays are not addressable: a template cannot say which element it means.
 */
export function fieldPaths(fields: Record<string, FieldSpec>, prefix = '', out = new Map<string, FieldSpec>()): Map<string, FieldSpec> {
  for (const [name, f] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.set(path, f);
    if (f.kind === 'object') fieldPaths(f.fields, path, out);
  }
  return out;
}

/** `{{ path }}` or `{{ path | filter | filter }}`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*((?:\|\s*[A-Za-z_][A-Za-z0-9_]*\s*)*)\}\}/g;

/** The field paths a `{{name}}` template or prompt refers to, in order of appearance. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The filter names a template uses (`{{a | slug}}` → `slug`), known or not, in order of appearance. */
export function templateFilters(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].flatMap((m) => filterNames(m[2]!));
}

function filterNames(pipes: string): string[] {
  return pipes
    .split('|')
    .slice(1)
    .map((f) => f.trim());
}

/** Fills `{{path}}` from a record; nulls become empty text, objects JSON; then its filters, left to right. */
export function renderTemplate(template: string, lookup: (path: string) => unknown): string {
  return compileTemplate(template)(lookup);
}

/**
 * A template split once into literal text and placeholders, for rendering per record.
 * An unknown filter throws (checkSpec reports it with its spec path before any run).
 */
export function compileTemplate(template: string): (lookup: (path: string) => unknown) => string {
  const literals: string[] = [];
  const paths: string[] = [];
  const filters: (((s: string) => string)[] | undefined)[] = [];
  let at = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(at, m.index));
    paths.push(m[1]!);
    const names = filterNames(m[2]!);
    filters.push(
      names.length === 0
        ? undefined
        : names.map((n) => {
            if (!isTemplateFilter(n)) throw new Error(`unknown template filter '${n}'`);
            return TEMPLATE_FILTERS[n];
          }),
    );
    at = m.index + m[0].length;
  }
  const tail = template.slice(at);
  return (lookup) => {
    let out = '';
    for (let i = 0; i < paths.length; i++) {
      const v = lookup(paths[i]!);
      let text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      const fs = filters[i];
      if (fs) for (const f of fs) text = f(text);
      out += literals[i]! + text;
    }
    return out + tail;
  };
}

/**
 * Dot paths of a dataset's `hidden: true` fields (outermost only: a hidden object hides its
 * children): generated for other fields to use, removed before a record is written.
 */
export function hiddenPaths(ds: { fields?: Record<string, FieldSpec> | undefined }): string[] {
  const out: string[] = [];
  const walk = (fields: Record<string, FieldSpec>, prefix: string) => {
    for (const [k, f] of Object.entries(fields)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (f.hidden) out.push(p);
      else if (f.kind === 'object') walk(f.fields, p);
    }
  };
  if (ds.fields) walk(ds.fields, '');
  return out;
}

/** True when a field, or an object it sits in, is `hidden: true`. */
export function isHiddenPath(fields: Record<string, FieldSpec>, path: string): boolean {
  let at: Record<string, FieldSpec> | undefined = fields;
  for (const seg of path.split('.')) {
    const f: FieldSpec | undefined = at?.[seg];
    if (!f) return false;
    if (f.hidden) return true;
    at = f.kind === 'object' ? f.fields : undefined;
  }
  return false;
}

/**
 * Output columns of a dataset (hidden fields left out): nested objects flattened to dot paths (`address.city`),
 * arrays kept as one column (written as JSON text). Works for `fields:` and `shape:`.
 */
export function datasetColumns(ds: { fields?: Record<string, FieldSpec> | undefined; shape?: Record<string, unknown> | undefined }): string[] {
  const out: string[] = [];
  const walkFields = (fields: Record<string, FieldSpec>, prefix: string) => {
    for (const [k, f] of Object.entries(fields)) {
      if (f.hidden) continue;
      const p = prefix ? `${prefix}.${k}` : k;
      if (f.kind === 'object') walkFields(f.fields, p);
      else out.push(p);
    }
  };
  const walkShape = (shape: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(shape)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walkShape(v as Record<string, unknown>, p);
      else out.push(p);
    }
  };
  if (ds.fields) walkFields(ds.fields, '');
  else if (ds.shape) walkShape(ds.shape, '');
  return out;
}
