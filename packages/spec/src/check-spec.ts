import { SpecError } from '@synthfarm/core';
import type { Spec } from './spec-schema.js';
import { NUMERIC_KINDS, type FieldSpec } from './field-schema.js';
import { fieldPaths, isHiddenPath, placeholders, templateFilters } from './field-paths.js';
import { isTemplateFilter, TEMPLATE_FILTERS } from './template-filters.js';
import { empiricalOutput } from './empirical.js';
import { checkParentChild } from './check-parent-child.js';
import { modelFieldStages } from './field-stages.js';
import { correlationsOf, latentMixes } from './latent-mix.js';

const DAY_MS = 86_400_000;

/**
 * Rules that span fields, datasets and sections: zod checks one value at a time, these check
 * that names resolve, ranges are ordered and a `unique` field's value space can hold `count`.
 */
export function checkSpec(spec: Spec): void {
  const seen = new Map<string, number>();
  spec.datasets.forEach((ds, d) => {
    const at = `datasets[${d}]`;
    if (seen.has(ds.name)) throw new SpecError(`${at}.name`, `duplicate dataset name '${ds.name}' (also datasets[${seen.get(ds.name)}])`);
    seen.set(ds.name, d);
    if (!ds.fields) return;
    if (ds.source && !spec.sources[ds.source.from]) {
      const names = Object.keys(spec.sources);
      throw new SpecError(`${at}.source.from`, `names source '${ds.source.from}', which sources: does not define${names.length ? ` (defined: ${names.join(', ')})` : ''}`);
    }
    if (ds.source) {
      const src = spec.sources[ds.source.from]!;
      if ((src.url || src.database) && (ds.source.csv || ds.source.jsonl)) throw new SpecError(`${at}.source`, `source '${ds.source.from}' is a database: name a table or a query`);
      if (src.dir && (ds.source.table || ds.source.query)) throw new SpecError(`${at}.source`, `source '${ds.source.from}' is a directory: name a csv or jsonl file`);
    }
    const paths = fieldPaths(ds.fields);
    const stageOf = modelFieldStages(spec, ds);
    // `{{source.col}}` reaches the legacy row of a source dataset.
    if (ds.source) paths.set('source', { kind: 'from', column: '' } as FieldSpec);
    for (const [path, f] of paths) {
      if (path === 'source' && ds.source) continue;
      if ((f.kind === 'from' || f.kind === 'pseudonym') && !ds.source) throw new SpecError(`${at}.fields.${path.split('.').join('.fields.')}`, `kind ${f.kind} reads a legacy row: the dataset needs a source`);
      // Spec path as written (`fields.address.fields.city`), like zod's and codegen's messages.
      const fp = `${at}.fields.${path.split('.').join('.fields.')}`;
      checkField(f, fp, paths, path, stageOf);
      if (f.unique && path.includes('.')) throw new SpecError(`${fp}.unique`, 'unique is supported on top-level fields');
      if (f.unique) checkUniqueSpace(f, `${fp}.unique`, ds.count);
      if (f.kind === 'ref') checkRef(spec, d, f, fp);
      if ((f.kind === 'from' || f.kind === 'pseudonym') && f.references) checkReferences(spec, d, f.references, `${fp}.references`);
    }
    // Several partners of one field must be able to hold together (and no chain may loop back).
    latentMixes(paths, (path) => `${at}.fields.${path.split('.').join('.fields.')}`);
    // Fields inside arrays are not addressable, but their refs and templates run all the same.
    for (const [path, f] of paths) if (f.kind === 'array') checkArrayItems(spec, d, f.of, `${at}.fields.${path.split('.').join('.fields.')}.of`, paths, path);
    checkParentChild(spec, d);
  });
  checkStages(spec);
  checkLegacyPrivacy(spec);
  checkSplit(spec);
}

/** Most parts `output.split` may cut one dataset into: five-digit part numbers, which sort in order. */
const MAX_SPLIT_PARTS = 10_000;

/** `output.split.rows` small enough to make more than {@link MAX_SPLIT_PARTS} files of one dataset is a mistake, not a plan. */
function checkSplit(spec: Spec): void {
  const rows = spec.output.split?.rows;
  if (!rows) return;
  for (const ds of spec.datasets) {
    const parts = Math.ceil(ds.count / rows);
    if (parts > MAX_SPLIT_PARTS) throw new SpecError('output.split.rows', `${rows} records per part cuts ${ds.name} (${ds.count} records) into ${parts} parts; at most ${MAX_SPLIT_PARTS} per dataset: use rows >= ${Math.ceil(ds.count / MAX_SPLIT_PARTS)}`);
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Legacy text goes only to local backends unless the spec says `privacy: { remote: true }`
 * (DESIGN §9): a transform spec with model fields may name only loopback hosts and base URLs.
 */
function checkLegacyPrivacy(spec: Spec): void {
  if (spec.privacy.remote) return;
  const legacyToModel = spec.datasets.some((ds) => ds.source && Object.values(ds.fields ?? {}).some((f) => f.kind === 'llm'));
  if (!legacyToModel && !(spec.stages.enrich && spec.datasets.some((ds) => ds.source))) return;
  for (const [name, b] of Object.entries(spec.backends)) {
    const urls: Array<[string, string]> = [...(b.hosts ?? []).map((h, i): [string, string] => [`hosts[${i}]`, h]), ...(b.baseUrl ? [['baseUrl', b.baseUrl] as [string, string]] : [])];
    for (const [key, url] of urls) {
      let host = '';
      try {
        host = new URL(url).hostname;
      } catch {
        continue;
      }
      if (!LOOPBACK.test(host)) throw new SpecError(`backends.${name}.${key}`, `${host} is not a local backend: legacy text goes only to local backends unless the spec sets privacy: { remote: true }`);
    }
  }
}

function checkRef(spec: Spec, d: number, f: Extract<FieldSpec, { kind: 'ref' }>, fp: string): void {
  const target = spec.datasets.findIndex((o) => o.name === f.dataset);
  if (target < 0) throw new SpecError(`${fp}.dataset`, `refers to dataset '${f.dataset}', which this spec does not define (datasets: ${spec.datasets.map((o) => o.name).join(', ')})`);
  if (target >= d) throw new SpecError(`${fp}.dataset`, `must refer to an earlier dataset; '${f.dataset}' is generated ${target === d ? 'by this one' : 'after this one'}`);
  const tf = spec.datasets[target]!;
  const has = tf.fields ? fieldPaths(tf.fields).has(f.field) : Object.hasOwn(tf.shape ?? {}, f.field);
  if (!has) throw new SpecError(`${fp}.field`, `dataset '${f.dataset}' has no field '${f.field}'`);
  // Like a foreign key to a column that is never exported: refused rather than joined on nothing.
  if (tf.fields && isHiddenPath(tf.fields, f.field)) throw new SpecError(`${fp}.field`, `refers to ${f.dataset}.${f.field}, which is hidden (hidden fields are not written, so no output could join on them)`);
  if (tf.fields && alwaysNull(tf.fields, f.field)) throw new SpecError(`${fp}.field`, `'${f.dataset}.${f.field}' is always null (nullRate: 1): a ref needs written values to point at`);
}

/** `references: dataset.field` names a field of this dataset or an earlier one (it loads first). */
function checkReferences(spec: Spec, d: number, ref: string, fp: string): void {
  const [dataset, field] = [ref.slice(0, ref.indexOf('.')), ref.slice(ref.indexOf('.') + 1)];
  const target = spec.datasets.findIndex((o) => o.name === dataset);
  if (target < 0) throw new SpecError(fp, `refers to dataset '${dataset}', which this spec does not define`);
  if (target > d) throw new SpecError(fp, `must refer to this dataset or an earlier one; '${dataset}' loads after this one`);
  if (!spec.datasets[target]!.fields?.[field]) throw new SpecError(fp, `dataset '${dataset}' has no field '${field}'`);
}

/** True when a field (or an object it sits in) has nullRate 1: no record ever has a value there. */
function alwaysNull(fields: Record<string, FieldSpec>, path: string): boolean {
  let at: Record<string, FieldSpec> | undefined = fields;
  for (const seg of path.split('.')) {
    const f: FieldSpec | undefined = at?.[seg];
    if (!f) return false;
    if (f.nullRate === 1) return true;
    at = f.kind === 'object' ? f.fields : undefined;
  }
  return false;
}

/** Refs and templates inside `array.of` (nested objects and arrays included). */
function checkArrayItems(spec: Spec, d: number, f: FieldSpec, fp: string, paths: Map<string, FieldSpec>, array: string): void {
  if (f.hidden) throw new SpecError(`${fp}.hidden`, 'applies to fields of a record, not to the items of an array (hide the array instead)');
  if (f.kind === 'ref') checkRef(spec, d, f, fp);
  if (f.kind === 'template') {
    checkFilters(f.template, `${fp}.template`);
    for (const p of placeholders(f.template)) {
      if (!paths.has(p)) throw new SpecError(`${fp}.template`, `{{${p}}} names no field of this dataset (fields inside arrays cannot be named)`);
      if (p === array || p.startsWith(`${array}.`)) throw new SpecError(`${fp}.template`, `{{${p}}} refers to the array it is in`);
      if (paths.get(p)!.kind === 'llm') throw new SpecError(`${fp}.template`, `{{${p}}} is an llm field; templates are filled before the model runs`);
    }
  }
  if (f.kind === 'object') for (const [k, c] of Object.entries(f.fields)) checkArrayItems(spec, d, c, `${fp}.fields.${k}`, paths, array);
  if (f.kind === 'array') checkArrayItems(spec, d, f.of, `${fp}.of`, paths, array);
}

function checkFilters(template: string, at: string): void {
  for (const name of templateFilters(template)) {
    if (!isTemplateFilter(name)) throw new SpecError(at, `unknown template filter '${name}' (filters: ${Object.keys(TEMPLATE_FILTERS).join(', ')})`);
  }
}

/**
 * @param stageOf the generate stage (index in `stages.steps`) writing each llm field: a prompt may
 * name an llm field only when an earlier stage writes it.
 */
function checkField(f: FieldSpec, fp: string, paths: Map<string, FieldSpec>, self: string, stageOf: ReadonlyMap<string, number>): void {
  if (NUMERIC_KINDS.has(f.kind) && 'min' in f && f.min !== undefined && 'max' in f && f.max !== undefined && f.min > f.max) {
    throw new SpecError(`${fp}.min`, `must be <= max (${f.min} > ${f.max})`);
  }
  if ((f.kind === 'date' || f.kind === 'datetime') && f.from > f.to) throw new SpecError(`${fp}.from`, `must be on or before to (${f.from} > ${f.to})`);
  if (f.kind === 'template') {
    checkFilters(f.template, `${fp}.template`);
    for (const p of placeholders(f.template)) {
      const target = sourcePath(p, paths) ?? paths.get(p);
      if (!target) throw new SpecError(`${fp}.template`, `{{${p}}} names no field of this dataset`);
      if (p === self) throw new SpecError(`${fp}.template`, `{{${p}}} refers to itself`);
      if (target.kind === 'llm') throw new SpecError(`${fp}.template`, `{{${p}}} is an llm field; templates are filled before the model runs`);
    }
  }
  if (f.kind === 'llm') {
    checkFilters(f.prompt, `${fp}.prompt`);
    for (const p of placeholders(f.prompt)) {
      if (sourcePath(p, paths)) continue;
      if (!paths.has(p)) throw new SpecError(`${fp}.prompt`, `{{${p}}} names no field of this dataset`);
      if (paths.get(p)!.kind !== 'llm') continue;
      const theirs = stageOf.get(p);
      const mine = stageOf.get(self);
      // An earlier stage has written it by the time this field's prompt is rendered.
      if (theirs !== undefined && mine !== undefined && theirs < mine) continue;
      if (p === self) throw new SpecError(`${fp}.prompt`, `{{${p}}} refers to itself`);
      throw new SpecError(`${fp}.prompt`, theirs !== undefined && mine !== undefined && theirs > mine
        ? `{{${p}}} is written by a later stage (stages[${theirs}]); a prompt can use code fields and the llm fields of earlier stages`
        : `{{${p}}} is another llm field of the same stage; prompts can use code fields only, or llm fields an earlier stage writes (stages: as a list)`);
    }
  }
  correlationsOf(f).forEach((c, i) => {
    const at = Array.isArray((f as { correlate?: unknown }).correlate) ? `${fp}.correlate[${i}].with` : `${fp}.correlate.with`;
    const target = paths.get(c.with);
    if (!target) throw new SpecError(at, `names no field of this dataset: '${c.with}'`);
    if (c.with === self) throw new SpecError(at, 'cannot correlate a field with itself');
    if (!NUMERIC_KINDS.has(target.kind)) throw new SpecError(at, `'${c.with}' is ${target.kind}; correlate needs a numeric field (${[...NUMERIC_KINDS].join(', ')})`);
    if (target.kind === 'empirical' && empiricalOutput(target) !== 'number') throw new SpecError(at, `'${c.with}' is an empirical field without numeric quantiles; correlate needs numbers`);
  });
}

/** `source.col` in a source dataset: the legacy row's column (any name; the source decides). */
function sourcePath(p: string, paths: Map<string, FieldSpec>): FieldSpec | undefined {
  return p.startsWith('source.') && paths.has('source') ? paths.get('source') : undefined;
}

/** Distinct values a field can take, when that is finite and known up front. */
function valueSpace(f: FieldSpec): number {
  switch (f.kind) {
    case 'bool': return 2;
    case 'choice': return f.values ? new Set(f.values).size : Object.values(f.weights ?? {}).filter((w) => w > 0).length;
    case 'date': return Math.floor((Date.parse(f.to) - Date.parse(f.from)) / DAY_MS) + 1;
    case 'empirical': {
      if (f.weights) return Object.values(f.weights).filter((w) => w > 0).length;
      const out = empiricalOutput(f);
      const q = f.quantiles!;
      if (out === 'date') return Math.floor((Date.parse(q.at(-1) as string) - Date.parse(q[0] as string)) / DAY_MS) + 1;
      if (out !== 'number' || !f.integer) return Infinity;
      return Math.floor(Math.min(q.at(-1) as number, f.max ?? Infinity)) - Math.ceil(Math.max(q[0] as number, f.min ?? -Infinity)) + 1;
    }
    case 'uniform': case 'normal': case 'lognormal': case 'exponential': case 'poisson': {
      const decimals = f.integer || f.kind === 'poisson' ? 0 : f.round;
      if (decimals === undefined) return Infinity;
      const lo = f.min ?? (f.kind === 'uniform' ? f.min : f.kind === 'normal' ? -Infinity : 0);
      const hi = f.max ?? Infinity;
      const scale = 10 ** decimals;
      return Math.floor(hi * scale) - Math.ceil(lo * scale) + 1;
    }
    default: return Infinity;
  }
}

function checkUniqueSpace(f: FieldSpec, fp: string, count: number): void {
  const space = valueSpace(f);
  const nonNull = f.nullRate ? 0 : count; // with nulls, how many non-null values is a draw; checked at run time
  if (nonNull > space) throw new SpecError(fp, `impossible: ${count} records need ${count} distinct values, but this ${f.kind} field has only ${space}`);
}

function checkStages(spec: Spec): void {
  const names = Object.keys(spec.backends);
  const known = (n: string, path: string) => {
    if (!spec.backends[n]) throw new SpecError(path, `names backend '${n}', which backends: does not define${names.length ? ` (defined: ${names.join(', ')})` : ''}`);
  };
  // Paths name what the user wrote: the map form's `stages.generate`, or the list's `stages[k]`.
  const listForm = isListForm(spec);
  const claimed = new Map<string, number>();
  const llmNames = new Set(spec.datasets.flatMap((ds) => [...Object.entries(ds.fields ?? {}).filter(([, f]) => f.kind === 'llm').map(([n]) => n), ...Object.keys(ds.shape ?? {})]));
  spec.stages.steps.forEach((st, k) => {
    const at = listForm ? `stages[${k}]` : `stages.${st.stage === 'generate' ? 'generate' : 'enrich'}`;
    if (st.stage === 'generate') {
      if (st.backend) known(st.backend, `${at}.backend`);
      st.fallback.forEach((n, i) => known(n, `${at}.fallback[${i}]`));
      st.backends?.forEach((n, i) => known(n, `${at}.backends[${i}]`));
      if (st.judge) known(st.judge, `${at}.judge`);
      if (st.route === 'ensemble') {
        const pool = st.backends?.length ?? names.length;
        if (pool < st.ensemble.size) throw new SpecError(`${at}.ensemble.size`, `an ensemble of ${st.ensemble.size} needs as many backends, ${st.backends ? 'backends: lists' : 'the spec defines'} ${pool}`);
      }
      st.fields?.forEach((f, i) => {
        if (!llmNames.has(f)) throw new SpecError(`${at}.fields[${i}]`, `'${f}' is not an llm field of any dataset`);
        const other = claimed.get(f);
        if (other !== undefined) throw new SpecError(`${at}.fields[${i}]`, `'${f}' is already written by stages[${other}]`);
        claimed.set(f, k);
      });
      return;
    }
    known(st.backend, `${at}.backend`);
    if (st.stage === 'enrich') {
      for (const [name, f] of Object.entries(st.fields ?? {})) {
        if (f.kind !== 'llm') throw new SpecError(`${at}.fields.${name}.kind`, `enrich fields are written by the model: must be llm, got ${f.kind}`);
      }
    }
  });
  for (const n of Object.keys(spec.budgets?.perBackend ?? {})) known(n, `budgets.perBackend.${n}`);
}

/** True when `stages:` was written as a list (its steps are not just the map form's generate and enrich). */
function isListForm(spec: Spec): boolean {
  const [first, second, ...rest] = spec.stages.steps;
  return rest.length > 0 || first?.stage !== 'generate' || first.fields !== undefined || (second !== undefined && second.stage !== 'enrich');
}
