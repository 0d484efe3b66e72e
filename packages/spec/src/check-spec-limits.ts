import type { FieldSpec } from './field-schema.js';
import type { Spec } from './spec-schema.js';
import { limitError, type SpecLimits } from './spec-limits.js';

/**
 * Faker methods whose numeric arguments are values (a range to draw from), not sizes: drawing
 * `number.int({ max: 1e12 })` costs what drawing `number.int({ max: 10 })` does. Their `length`
 * and `count` options are still sizes.
 */
const VALUE_METHODS = /^(number|date|image)\.|^(finance\.amount|commerce\.price|location\.(latitude|longitude|nearbyGPSCoordinate)|helpers\.rangeToNumber)$/;
/** Options that are sizes in every faker method (`date.betweens({ count })`, `string.alpha({ length })`). */
const SIZE_KEYS = new Set(['length', 'count', 'wordCount', 'sentenceCount', 'paragraphCount', 'lineCount']);
/** `{n}` / `{n,m}` quantifiers of a regular expression handed to `helpers.fromRegExp`. */
const QUANTIFIER = /\{(\d+)(?:,(\d*))?\}/g;

/**
 * The limits that need the validated spec: counts, datasets, fields, array sizes, faker sizes,
 * and the records of datasets that keep per-record state (a unique index, a ref column), which
 * cost memory by count. Checked before anything compiles or runs, by `validate` and `run` alike.
 */
export function checkSpecLimits(spec: Spec, limits: SpecLimits): void {
  if (spec.datasets.length > limits.datasets) throw limitError('datasets', `${spec.datasets.length} datasets`, 'datasets', limits);
  let total = 0;
  const refTargets = new Set<string>();
  for (const ds of spec.datasets) walkFields(ds.fields ?? {}, (f) => f.kind === 'ref' && refTargets.add(f.dataset));
  spec.datasets.forEach((ds, d) => {
    const at = `datasets[${d}]`;
    if (ds.count > limits.count) throw limitError(`${at}.count`, `${ds.count} records`, 'count', limits);
    total += ds.count;
    if (total > limits.totalCount) throw limitError(`${at}.count`, `${total} records over datasets[0..${d}]`, 'totalCount', limits);
    if (!ds.fields) return;
    let fields = 0;
    let unique: string | undefined;
    const visit = (f: FieldSpec, path: string, elements: number) => {
      if (++fields > limits.fields) throw limitError(path, `field number ${fields} of dataset '${ds.name}', which`, 'fields', limits);
      if (f.unique) unique ??= path;
      if (f.kind === 'object') for (const [k, c] of Object.entries(f.fields)) visit(c, `${path}.fields.${k}`, elements);
      if (f.kind === 'array') {
        const n = elements * f.max;
        if (n > limits.arrayElements) throw limitError(`${path}.max`, `${n} elements per record${elements > 1 ? ' (nested arrays multiplied)' : ''}`, 'arrayElements', limits);
        visit(f.of, `${path}.of`, n);
      }
      if (f.kind === 'faker') checkFakerArgs(f.method, f.args ?? [], `${path}.args`, limits);
    };
    for (const [k, f] of Object.entries(ds.fields)) visit(f, `${at}.fields.${k}`, 1);
    const stateful = unique ? `${unique}: unique keeps an index of` : refTargets.has(ds.name) ? `${at}.count: other datasets ref this one, which keeps a column of` : undefined;
    if (stateful && ds.count > limits.indexedCount) throw limitError(stateful.slice(0, stateful.indexOf(':')), `${stateful.slice(stateful.indexOf(':') + 2)} all ${ds.count} records`, 'indexedCount', limits);
  });
}

function walkFields(fields: Record<string, FieldSpec>, fn: (f: FieldSpec) => void): void {
  const walk = (f: FieldSpec) => {
    fn(f);
    if (f.kind === 'object') Object.values(f.fields).forEach(walk);
    else if (f.kind === 'array') walk(f.of);
  };
  Object.values(fields).forEach(walk);
}

/**
 * Sizes handed to a faker method stay under `fakerArgMax`: faker allocates what it is asked
 * for (`string.alpha(1e9)` is a gigabyte, per record), and it is probed once at validation.
 * A size is a number given as an argument or an option of a method other than the
 * {@link VALUE_METHODS}, or under a {@link SIZE_KEYS} option of any method; numbers in lists are data.
 */
function checkFakerArgs(method: string, args: unknown[], path: string, limits: SpecLimits): void {
  const valueMethod = VALUE_METHODS.test(method);
  const walk = (v: unknown, p: string, size: boolean) => {
    if (typeof v === 'number') {
      if (size && !(v <= limits.fakerArgMax)) throw limitError(p, `${v} (a size for faker ${method})`, 'fakerArgMax', limits);
    } else if (typeof v === 'string') {
      if (!method.endsWith('.fromRegExp')) return;
      for (const m of v.matchAll(QUANTIFIER)) {
        const n = Math.max(Number(m[1]), m[2] ? Number(m[2]) : 0);
        if (n > limits.fakerArgMax) throw limitError(p, `quantifier ${m[0].length > 40 ? `{${n}}` : m[0]} (a size for faker ${method})`, 'fakerArgMax', limits);
      }
    } else if (Array.isArray(v)) {
      // A list is data to pick from (`helpers.arrayElement([1, 50000])`), never a size.
      v.forEach((x, i) => walk(x, `${p}[${i}]`, false));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, `${p}.${k}`, size || SIZE_KEYS.has(k));
    }
  };
  args.forEach((a, i) => walk(a, `${path}[${i}]`, !valueMethod));
}
