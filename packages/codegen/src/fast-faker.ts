import type { Faker } from '@faker-js/faker';
import { Rng } from './rng.js';

/**
 * A faker method computed straight from its locale's definitions: the value faker's own method
 * gives on the same stream, drawing the same numbers in the same order, or `undefined` (with the
 * stream restored) for a draw only faker can finish (a username with non-ASCII letters to
 * transliterate), which the caller then hands to faker on the same stream.
 */
export type FastFakerCall = (rng: Rng) => string | undefined;

/**
 * The fast equivalent of faker `method` (no arguments) for `faker`'s locale, or undefined when
 * there is none, or when the locale's definitions are not shaped the way the equivalent reads
 * them (then faker itself runs, and says what is missing).
 *
 * Why: a migration pseudonymizes every row, and faker's `person.fullName` compiles five regular
 * expressions per call (`helpers.mustache`), reads its definitions through a Proxy and allocates
 * an options object per random number: ~10 µs a name, ~5 µs an email, ~3 µs a UUID, where the
 * same draws from the arrays take well under a microsecond. Equal values keep every spec's output
 * byte for byte what it was. test: fast-faker.test.ts holds each method to faker's on thousands
 * of streams in a dozen locales, so a faker upgrade that changes a method fails there.
 */
export function fastFakerMethod(faker: Faker, method: string): FastFakerCall | undefined {
  try {
    const build = BUILDERS[method];
    return build ? build(faker) : undefined;
  } catch (err) {
    if (err instanceof NotFast) return undefined;
    throw err;
  }
}

/** The locale's definitions are not shaped the way a fast equivalent reads them. */
class NotFast extends Error {}

const BUILDERS: Record<string, (faker: Faker) => FastFakerCall> = {
  'person.firstName': (faker) => {
    const first = sexedPicker(person(faker).first_name);
    return (rng) => first(rng, sexType(rng));
  },
  'person.lastName': (faker) => {
    const last = lastNames(faker);
    return (rng) => last(rng, sexType(rng));
  },
  'person.middleName': (faker) => {
    const middle = sexedPicker(person(faker).middle_name);
    return (rng) => middle(rng, sexType(rng));
  },
  'person.fullName': (faker) => fullName(faker),
  'internet.username': (faker) => {
    const user = username(faker);
    const saved = new Rng();
    return (rng) => user(rng, saved.copyFrom(rng));
  },
  'internet.email': (faker) => {
    const providers = strings(defs(faker).internet?.free_email);
    const user = username(faker);
    const saved = new Rng();
    return (rng) => {
      saved.copyFrom(rng);
      // faker draws the provider first (a default parameter), then the username.
      const provider = pick(rng, providers);
      const local = user(rng, saved);
      return local === undefined ? undefined : `${emailLocalPart(local)}@${provider}`;
    };
  },
  'string.uuid': () => {
    // Every x (number.hex 0..15) left to right, then the y (8..11). Char codes, one string made at the end.
    const codes = [...UUID].map((c) => c.charCodeAt(0));
    const xs = codes.flatMap((c, i) => (c === 0x78 ? [i] : []));
    const y = UUID.indexOf('y');
    return (rng) => {
      for (let i = 0; i < xs.length; i++) codes[xs[i]!] = HEX_CODES[Math.floor(rng.next() * 16)]!;
      codes[y] = HEX_CODES[Math.floor(rng.next() * 4 + 8)]!;
      return String.fromCharCode.apply(null, codes);
    };
  },
};

const UUID = 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx';
const HEX_CODES = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
/** 0 female, 1 male: the index person.sexType() draws. */
type Sex = 0 | 1;

// Raw definitions, loosely typed: what a locale holds is checked where it is read.
type Defs = Record<string, Record<string, unknown> | undefined>;
const defs = (faker: Faker): Defs => faker.rawDefinitions as unknown as Defs;
const person = (faker: Faker): Record<string, unknown> => defs(faker).person ?? fail();

function fail(): never {
  throw new NotFast();
}

/** helpers.arrayElement: one draw, none for a single element. */
function pick<T>(rng: Rng, a: readonly T[]): T {
  return a.length > 1 ? a[Math.floor(rng.next() * a.length)]! : a[0]!;
}

/** person.sexType(): arrayElement(['female', 'male']). */
function sexType(rng: Rng): Sex {
  return Math.floor(rng.next() * 2) as Sex;
}

/** A non-empty string array with no braces (so a value never reads as a pattern token), or NotFast. */
function strings(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && !/[{}]/.test(s))) fail();
  return v as string[];
}

/**
 * faker's choice of a sexed definition (`{ generic, female, male }`) per sex: the sex's list, the
 * generic one, or, when the locale has both, one of the two weighted 3·√n against √n, drawn per
 * call like faker's weightedArrayElement. `convert` checks and shapes a raw list.
 */
function sexedChoice<T>(def: unknown, convert: (v: unknown) => T): Array<(rng: Rng) => T> {
  if (def === null || typeof def !== 'object' || Array.isArray(def)) fail();
  const { generic, female, male } = def as { generic?: unknown; female?: unknown; male?: unknown };
  return [female, male].map((o) => {
    if (o == null) {
      const r = convert(generic ?? fail());
      return () => r;
    }
    const own = convert(o);
    if (generic == null) return () => own;
    if (!Array.isArray(o) || !Array.isArray(generic)) fail();
    const r = convert(generic);
    const w1 = 3 * Math.sqrt(o.length);
    const total = 0 + w1 + Math.sqrt(generic.length);
    // number.float({ max: total }) against the running sums from 0.
    return (rng: Rng) => (rng.next() * (total - 0) + 0 < 0 + w1 ? own : r);
  });
}

/** Picks from a sexed definition of strings: the draws faker makes, in its order. */
function sexedPicker(def: unknown): (rng: Rng, sex: Sex) => string {
  const choice = sexedChoice(def, strings);
  return (rng, sex) => pick(rng, choice[sex]!(rng));
}

/** A `{ value, weight }` list, as running sums (faker's own additions, from 0, in order). */
function weighted(v: unknown): { values: string[]; sums: number[]; total: number } {
  if (!Array.isArray(v) || v.length === 0) fail();
  const values: string[] = [];
  const sums: number[] = [];
  let sum = 0;
  for (const e of v as Array<{ value?: unknown; weight?: unknown }>) {
    if (typeof e?.value !== 'string' || typeof e.weight !== 'number' || !(e.weight > 0)) fail();
    sum += e.weight;
    values.push(e.value);
    sums.push(sum);
  }
  return { values, sums, total: sum };
}

/** helpers.weightedArrayElement over precomputed running sums. */
function pickWeighted(rng: Rng, w: { values: string[]; sums: number[]; total: number }): string {
  const x = rng.next() * (w.total - 0) + 0;
  const { sums, values } = w;
  for (let i = 0; i < sums.length; i++) if (x < sums[i]!) return values[i]!;
  return values[values.length - 1]!;
}

/**
 * person.lastName(sex): a plain list, or (most locales) a weighted pattern such as
 * `{{person.last_name.generic}}-{{person.last_name.generic}}` whose tokens are definition paths,
 * each one draw from its list, left to right (helpers.fake). Patterns holding anything else
 * (method calls, arguments) are NotFast.
 */
function lastNames(faker: Faker): (rng: Rng, sex: Sex) => string {
  const p = person(faker);
  if (p.last_name_pattern == null) return sexedPicker(p.last_name);
  const lists: Array<ReturnType<typeof weighted>> = [];
  const choice = sexedChoice(p.last_name_pattern, (v) => {
    const w = weighted(v);
    lists.push(w);
    return w;
  });
  const compiled = new Map<string, Array<string | string[]>>();
  for (const w of lists) for (const v of w.values) compiled.set(v, compileFakePattern(faker, v));
  // Draw the list (by sex), then the pattern, then its tokens left to right.
  return (rng, sex) => {
    const pattern = pickWeighted(rng, choice[sex]!(rng));
    const parts = compiled.get(pattern)!;
    let s = '';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      s += typeof part === 'string' ? part : pick(rng, part);
    }
    return s;
  };
}

/**
 * A helpers.fake pattern as literal text and lists to draw from. Tokens must be `{{a.b.c}}`
 * definition paths (resolved like faker's expression evaluator: faker's modules first, then the
 * raw definitions) ending in a list of strings; any other brace makes the pattern NotFast.
 */
function compileFakePattern(faker: Faker, pattern: string): Array<string | string[]> {
  const parts: Array<string | string[]> = [];
  const re = /\{\{([a-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\}\}/g;
  let last = 0;
  for (const m of pattern.matchAll(re)) {
    parts.push(pattern.slice(last, m.index));
    parts.push(resolveDefinitionPath(faker, m[1]!));
    last = m.index + m[0].length;
  }
  parts.push(pattern.slice(last));
  if (parts.some((p) => typeof p === 'string' && /[{}]/.test(p))) fail();
  return parts.filter((p) => p !== '');
}

function resolveDefinitionPath(faker: Faker, path: string): string[] {
  let onFaker: unknown = faker;
  let onDefs: unknown = faker.rawDefinitions;
  const segs = path.split('.');
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    // faker's modules come first: a path that reaches a method or value there is not a plain list.
    onFaker = onFaker !== null && typeof onFaker === 'object' ? (onFaker as Record<string, unknown>)[s] : undefined;
    onDefs = onDefs !== null && typeof onDefs === 'object' ? (onDefs as Record<string, unknown>)[s] : undefined;
    if (onFaker != null && (typeof onFaker === 'function' || i === segs.length - 1)) fail();
    if (i < segs.length - 1 && Array.isArray(onDefs)) fail();
  }
  return strings(onDefs);
}

const NAME_KEYS = ['person.prefix', 'person.firstName', 'person.middleName', 'person.lastName', 'person.suffix'] as const;

/**
 * person.fullName(): sex, first name, last name, then a weighted name pattern whose
 * `{{person.*}}` tokens helpers.mustache fills key by key (prefix, firstName, middleName,
 * lastName, suffix), each occurrence left to right, drawing prefix, middle name and suffix as it
 * meets them.
 */
function fullName(faker: Faker): FastFakerCall {
  const p = person(faker);
  const first = sexedPicker(p.first_name);
  const last = lastNames(faker);
  const names = weighted(p.name);
  const patterns = new Map<string, { parts: string[]; slots: Array<{ key: number; at: number }> }>();
  let needPrefix = false;
  let needMiddle = false;
  let needSuffix = false;
  for (const pattern of names.values) {
    // mustache's own regular expressions (`.` matches any character), on the pattern as written:
    // values hold no braces, so filling one key never makes or breaks another's match.
    const found: Array<{ key: number; index: number; length: number }> = [];
    NAME_KEYS.forEach((k, key) => {
      for (const m of pattern.matchAll(new RegExp(`{{${k}}}`, 'g'))) found.push({ key, index: m.index, length: m[0].length });
    });
    const byPosition = [...found].sort((a, b) => a.index - b.index);
    const parts: string[] = [];
    let lastEnd = 0;
    for (const f of byPosition) {
      parts.push(pattern.slice(lastEnd, f.index), '');
      lastEnd = f.index + f.length;
    }
    parts.push(pattern.slice(lastEnd));
    // Slots in mustache's filling order: by key, then left to right; `at` is the part to fill.
    const slots = byPosition.map((f, i) => ({ key: f.key, at: 2 * i + 1, index: f.index })).sort((a, b) => a.key - b.key || a.index - b.index).map(({ key, at }) => ({ key, at }));
    needPrefix ||= slots.some((s) => s.key === 0);
    needMiddle ||= slots.some((s) => s.key === 2);
    needSuffix ||= slots.some((s) => s.key === 4);
    patterns.set(pattern, { parts, slots });
  }
  const prefix = needPrefix ? sexedPicker(p.prefix) : undefined;
  const middle = needMiddle ? sexedPicker(p.middle_name) : undefined;
  const suffix = needSuffix ? strings(p.suffix) : undefined;
  return (rng) => {
    const sex = sexType(rng);
    const f = first(rng, sex);
    const l = last(rng, sex);
    const { parts, slots } = patterns.get(pickWeighted(rng, names))!;
    if (slots.length === 0) return parts[0]!;
    const out = parts.slice();
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      out[s.at] = s.key === 1 ? f : s.key === 3 ? l : s.key === 0 ? prefix!(rng, sex) : s.key === 2 ? middle!(rng, sex) : pick(rng, suffix!);
    }
    return out.join('');
  };
}

/**
 * internet.username() with no names given: first name, last name (each with its own sex draw),
 * separator, number 0–99, and one of three shapes; then faker's clean-up. A name with a non-ASCII
 * character needs faker's transliteration table: the stream is restored to `saved` and undefined
 * returned, for faker to run instead.
 */
function username(faker: Faker): (rng: Rng, saved: Rng) => string | undefined {
  const first = sexedPicker(person(faker).first_name);
  const last = lastNames(faker);
  return (rng, saved) => {
    const f = first(rng, sexType(rng));
    const l = last(rng, sexType(rng));
    const sep = Math.floor(rng.next() * 2) === 0 ? '.' : '_';
    const n = Math.floor(rng.next() * 100);
    const shape = Math.floor(rng.next() * 3);
    const s = shape === 0 ? `${f}${sep}${l}${n}` : shape === 1 ? `${f}${sep}${l}` : `${f}${n}`;
    if (NON_ASCII.test(s)) {
      rng.copyFrom(saved);
      return undefined;
    }
    return s.includes("'") || s.includes(' ') ? s.replaceAll("'", '').replaceAll(' ', '') : s;
  };
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * internet.email's clean-up of the local part: characters outside `[A-Za-z0-9._+-]` dropped, at
 * most 50 kept, runs of dots made one, and one leading and one trailing dot removed.
 */
function emailLocalPart(user: string): string {
  let s = NOT_LOCAL.test(user) ? user.replaceAll(/[^A-Za-z0-9._+-]+/g, '') : user;
  if (s.length > 50) s = s.substring(0, 50);
  if (s.includes('..')) s = s.replaceAll(/\.{2,}/g, '.');
  if (s.startsWith('.')) s = s.slice(1);
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s;
}

const NOT_LOCAL = /[^A-Za-z0-9._+-]/;
