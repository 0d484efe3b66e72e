import { createRng, type Rng } from './rng.js';
import { sampleStringFormat, SUPPORTED_STRING_FORMATS } from './string-formats.js';
import { fitLength, sampleHintedString, samplePersona, sampleSentence, type Persona } from './text-sample.js';
import { ADJECTIVES, NOUNS } from './word-lists.js';

/** A JSON value, as produced by {@link sampleJsonSchema}. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Options of {@link sampleJsonSchema}. */
export interface SchemaSampleOptions {
  /** Seed of the value; same schema + seed → same value. Ignored when `rng` is given. Default 0. */
  seed?: number;
  /** A random source to draw from instead of `seed` (the server passes one per request). */
  rng?: Rng;
  /**
   * Nesting depth (objects and arrays) past which only required properties and `minItems` items are
   * generated, so recursive `$ref` schemas terminate. Default 8.
   */
  maxDepth?: number;
  /** Probability (0..1) of choosing `null` when a schema allows null next to other types. Default 0.15. */
  nullRate?: number;
}

type Schema = Record<string, unknown>;

interface Ctx {
  rng: Rng;
  /** The person the innermost object being generated describes. */
  persona: Persona | undefined;
  root: unknown;
  maxDepth: number;
  nullRate: number;
}

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * Generates a value that validates against a JSON Schema, deterministically from a seed: the
 * structured-output subset models are asked for (Ollama `format`, OpenAI `response_format`).
 *
 * Supported: `type` (also arrays like `["string","null"]`), `object` (`properties`, `required`,
 * `additionalProperties`, `minProperties`), `array` (`items`, `prefixItems`, `minItems`, `maxItems`
 * — exactly N when they are equal — and `uniqueItems`), `string` (`minLength`, `maxLength`, `enum`,
 * `format` date / date-time / time / email / uuid / uri / hostname / ipv4), `integer` / `number`
 * (`minimum`, `maximum`, exclusive bounds, `multipleOf`), `boolean`, `null`, `const`, `enum`,
 * `anyOf` / `oneOf` (one branch), `allOf` (merged), local `$ref` (`#/$defs/...`), `nullable`.
 * Not supported: `pattern` without a `format`, `not`, `if/then/else`, `dependentSchemas`.
 * Strings read like short English, guided by property names and descriptions ("email", "bio").
 */
export function sampleJsonSchema(schema: unknown, options: SchemaSampleOptions = {}): JsonValue {
  const ctx: Ctx = {
    rng: options.rng ?? createRng(options.seed ?? 0),
    persona: undefined,
    root: schema,
    maxDepth: options.maxDepth ?? 8,
    nullRate: options.nullRate ?? 0.15,
  };
  return gen(schema, ctx, 0, undefined);
}

/** Resolves a local JSON pointer (`#/$defs/Item`) against the root schema. */
function resolveRef(ref: string, root: unknown): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isSchema(node)) return {};
    node = node[part];
  }
  return node ?? {};
}

/** Merges `allOf` branches into one schema: properties and required are unioned, other keys last-wins. */
function mergeAll(base: Schema, parts: unknown[], ctx: Ctx): Schema {
  const out: Schema = { ...base };
  delete out.allOf;
  const properties: Schema = isSchema(base.properties) ? { ...base.properties } : {};
  const required = new Set(strings(base.required));
  for (const p of parts) {
    let part = p;
    if (isSchema(part) && typeof part.$ref === 'string') part = { ...(resolveRef(part.$ref, ctx.root) as Schema), ...part, $ref: undefined };
    if (!isSchema(part)) continue;
    const merged = Array.isArray(part.allOf) ? mergeAll(part, part.allOf, ctx) : part;
    for (const [k, v] of Object.entries(merged)) {
      if (k === 'properties' && isSchema(v)) Object.assign(properties, v);
      else if (k === 'required') strings(v).forEach((r) => required.add(r));
      else if (v !== undefined) out[k] = v;
    }
  }
  if (Object.keys(properties).length > 0) out.properties = properties;
  if (required.size > 0) out.required = [...required];
  return out;
}

function inferType(s: Schema): string {
  if (isSchema(s.properties) || s.required !== undefined || s.additionalProperties !== undefined) return 'object';
  if (s.items !== undefined || s.prefixItems !== undefined || s.minItems !== undefined || s.maxItems !== undefined) return 'array';
  if (s.minimum !== undefined || s.maximum !== undefined || s.multipleOf !== undefined) return 'number';
  return 'string';
}

function gen(node: unknown, ctx: Ctx, depth: number, key: string | undefined): JsonValue {
  if (node === false) return null;
  if (!isSchema(node)) return prose(ctx.rng, key, undefined, 0, Number.POSITIVE_INFINITY);
  // Past twice the soft limit the schema recurses without an exit (a required self-reference);
  // null is the only finite answer left.
  if (depth > ctx.maxDepth * 2) return null;
  let s: Schema = node;

  if (typeof s.$ref === 'string') {
    const { $ref, ...rest } = s;
    const target = resolveRef($ref as string, ctx.root);
    s = { ...(isSchema(target) ? target : {}), ...rest };
  }
  if (Array.isArray(s.allOf)) s = mergeAll(s, s.allOf, ctx);

  if ('const' in s) return s.const as JsonValue;
  if (Array.isArray(s.enum) && s.enum.length > 0) return ctx.rng.pick(s.enum) as JsonValue;

  const branches = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (branches && branches.length > 0) {
    const { anyOf: _a, oneOf: _o, ...rest } = s;
    const isNull = (b: unknown): boolean => isSchema(b) && b.type === 'null';
    const nonNull = branches.filter((b) => !isNull(b));
    const pickNull = nonNull.length === 0 || (nonNull.length < branches.length && ctx.rng.chance(ctx.nullRate));
    if (pickNull) return null;
    const branch = ctx.rng.pick(nonNull);
    return gen(isSchema(branch) ? { ...rest, ...branch } : branch, ctx, depth, key);
  }

  let type: string;
  if (Array.isArray(s.type)) {
    const types = strings(s.type);
    const nonNull = types.filter((t) => t !== 'null');
    if (nonNull.length === 0 || (nonNull.length < types.length && ctx.rng.chance(ctx.nullRate))) return null;
    type = ctx.rng.pick(nonNull);
  } else {
    type = typeof s.type === 'string' ? s.type : inferType(s);
  }
  if (s.nullable === true && type !== 'null' && ctx.rng.chance(ctx.nullRate)) return null;

  switch (type) {
    case 'object':
      return genObject(s, ctx, depth);
    case 'array':
      return genArray(s, ctx, depth, key);
    case 'integer':
      return genNumber(s, ctx, key, true);
    case 'number':
      return genNumber(s, ctx, key, false);
    case 'boolean':
      return ctx.rng.chance(0.5);
    case 'null':
      return null;
    default:
      return genString(s, ctx, key);
  }
}

function genObject(s: Schema, ctx: Ctx, depth: number): JsonValue {
  const outer = ctx.persona;
  ctx.persona = samplePersona(ctx.rng);
  try {
    return genObjectBody(s, ctx, depth);
  } finally {
    ctx.persona = outer;
  }
}

function genObjectBody(s: Schema, ctx: Ctx, depth: number): JsonValue {
  const out: { [key: string]: JsonValue } = {};
  const properties = isSchema(s.properties) ? s.properties : {};
  const required = strings(s.required);
  const shallow = depth >= ctx.maxDepth;
  for (const [k, sub] of Object.entries(properties)) {
    if (shallow && !required.includes(k)) continue;
    out[k] = gen(sub, ctx, depth + 1, k);
  }
  const extra = s.additionalProperties;
  const extraSchema: unknown = isSchema(extra) ? extra : {};
  for (const k of required) {
    if (!(k in out)) out[k] = gen(extraSchema, ctx, depth + 1, k);
  }
  if (extra === false) return out;
  // A record type ({additionalProperties: schema}) or a bare {type: "object"}: invent a few keys.
  let want = num(s.minProperties) ?? 0;
  const free = Object.keys(properties).length === 0 && !shallow && (isSchema(extra) || extra === undefined || extra === true);
  if (free) want = Math.max(want, ctx.rng.int(1, 3));
  const maxProps = num(s.maxProperties) ?? Number.POSITIVE_INFINITY;
  for (let i = 0; Object.keys(out).length < Math.min(want, maxProps) && i < want * 4; i++) {
    const k = i < NOUNS.length ? ctx.rng.pick(NOUNS) : `key${i}`;
    if (!(k in out)) out[k] = gen(extraSchema, ctx, depth + 1, k);
  }
  return out;
}

function genArray(s: Schema, ctx: Ctx, depth: number, key: string | undefined): JsonValue {
  const minItems = Math.max(0, Math.floor(num(s.minItems) ?? 0));
  const maxItems = num(s.maxItems) !== undefined ? Math.max(minItems, Math.floor(num(s.maxItems) as number)) : undefined;
  let count: number;
  if (maxItems === minItems) count = minItems; // exact N: batch prompts depend on it
  else if (depth >= ctx.maxDepth) count = minItems;
  else {
    const lo = num(s.minItems) !== undefined ? minItems : Math.min(1, maxItems ?? 1);
    // Open-ended arrays stay short, like a model that is told nothing about length.
    const hi = Math.min(maxItems ?? lo + 2, lo + 4);
    count = ctx.rng.int(lo, Math.max(lo, hi));
  }
  const tuple = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
  const rest: unknown = Array.isArray(s.items) ? (s.additionalItems ?? {}) : (s.items ?? {});
  const out: JsonValue[] = [];
  const seen = new Set<string>();
  const itemKey = key ? singular(key) : undefined;
  for (let i = 0; i < count; i++) {
    const itemSchema = i < tuple.length ? tuple[i] : rest;
    let value = gen(itemSchema, ctx, depth + 1, itemKey);
    if (s.uniqueItems === true) {
      // A few redraws make duplicates rare; a schema with fewer distinct values than minItems cannot be met.
      for (let tries = 0; seen.has(JSON.stringify(value)) && tries < 16; tries++) value = gen(itemSchema, ctx, depth + 1, itemKey);
      const id = JSON.stringify(value);
      if (seen.has(id) && out.length >= minItems) break;
      seen.add(id);
    }
    out.push(value);
  }
  return out;
}

/** `tags` → `tag`, `categories` → `category`: array items take hints from the singular name. */
function singular(key: string): string {
  if (/ies$/i.test(key)) return key.replace(/ies$/i, 'y');
  if (/ses$/i.test(key)) return key.replace(/es$/i, '');
  return key.replace(/s$/i, '');
}

function prose(rng: Rng, key: string | undefined, description: string | undefined, min: number, max: number, persona?: Persona): string {
  const hinted = sampleHintedString(rng, key, description, persona);
  let text: string;
  if (hinted !== undefined) text = hinted;
  else if (max <= 24) text = rng.chance(0.5) ? rng.pick(NOUNS) : `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  else text = sampleSentence(rng);
  return fitLength(rng, text, min, max);
}

function genString(s: Schema, ctx: Ctx, key: string | undefined): string {
  const min = Math.max(0, num(s.minLength) ?? 0);
  const max = num(s.maxLength) ?? Number.POSITIVE_INFINITY;
  const format = typeof s.format === 'string' ? s.format : undefined;
  if (format && (SUPPORTED_STRING_FORMATS as readonly string[]).includes(format)) {
    const formatted = format === 'email' && ctx.persona ? sampleHintedString(ctx.rng, 'email', undefined, ctx.persona) : sampleStringFormat(ctx.rng, format);
    // A formatted value cannot be clipped without breaking its format; only a contradictory schema gets here.
    if (formatted !== undefined && formatted.length <= max) return formatted;
  }
  return prose(ctx.rng, key, typeof s.description === 'string' ? s.description : undefined, min, max, ctx.persona);
}

/** Default ranges when a schema gives no bounds, by property name: ages look like ages. */
function hintedRange(key: string | undefined, integer: boolean): [number, number] {
  const k = (key ?? '').toLowerCase();
  if (/age$/.test(k)) return [18, 90];
  if (/year/.test(k)) return [1990, 2025];
  if (/(price|amount|total|cost|revenue|salary)/.test(k)) return integer ? [5, 5000] : [5, 500];
  if (/(rating|stars)/.test(k)) return [1, 5];
  if (/(score|percent)/.test(k)) return [0, 100];
  if (/(count|quantity|qty)/.test(k)) return [1, 20];
  if (/lat/.test(k)) return [-90, 90];
  if (/(lon|lng)/.test(k)) return [-180, 180];
  return [0, 100];
}

function genNumber(s: Schema, ctx: Ctx, key: string | undefined, integer: boolean): number {
  // Draft 2020-12 uses numeric exclusive bounds; draft 4 used booleans next to minimum/maximum.
  const exMin = num(s.exclusiveMinimum) ?? (s.exclusiveMinimum === true ? num(s.minimum) : undefined);
  const exMax = num(s.exclusiveMaximum) ?? (s.exclusiveMaximum === true ? num(s.maximum) : undefined);
  const incMin = s.exclusiveMinimum === true ? undefined : num(s.minimum);
  const incMax = s.exclusiveMaximum === true ? undefined : num(s.maximum);
  const step = integer ? 1 : 0.01;
  let lo = Math.max(incMin ?? -Infinity, exMin !== undefined ? exMin + step : -Infinity);
  let hi = Math.min(incMax ?? Infinity, exMax !== undefined ? exMax - step : Infinity);
  const [dlo, dhi] = hintedRange(key, integer);
  if (!Number.isFinite(lo) && !Number.isFinite(hi)) [lo, hi] = [dlo, dhi];
  else if (!Number.isFinite(lo)) lo = hi - (dhi - dlo);
  else if (!Number.isFinite(hi)) hi = lo + (dhi - dlo);
  if (integer) {
    lo = Math.ceil(lo);
    hi = Math.floor(hi);
  }
  if (hi < lo) hi = lo; // contradictory bounds: answer the lower one rather than throw

  const multipleOf = num(s.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0) {
    const kLo = Math.ceil(lo / multipleOf);
    const kHi = Math.floor(hi / multipleOf);
    if (kHi >= kLo) return Number((ctx.rng.int(kLo, kHi) * multipleOf).toPrecision(12));
  }
  if (integer) return ctx.rng.int(lo, hi);
  const raw = lo + ctx.rng.next() * (hi - lo);
  const rounded = Math.round(raw * 100) / 100;
  // Two decimals read like real data; keep them only while they stay inside the bounds.
  const inside = (v: number): boolean => v >= lo && v <= hi && (exMin === undefined || v > exMin) && (exMax === undefined || v < exMax);
  return inside(rounded) ? rounded : raw;
}
