import { createHmac } from 'node:crypto';
import { SpecError } from '@synthfarm/core/errors';
import type { FieldSpec } from '@synthfarm/spec';
import type { FakerRegistry } from './faker-registry.js';
import type { FieldGenerator } from './field-generator.js';
import { Rng } from './rng.js';
import { SipHash24 } from './siphash.js';

/** Environment variable holding the key of `pseudonym` fields. */
export const PSEUDONYM_KEY_ENV = 'SYNTHFARM_PSEUDONYM_KEY';

/**
 * Text legacy systems write for "no value" (the same set the sources' profile counts as null):
 * a `from` or `pseudonym` field reads it as null.
 */
const NULL_SENTINELS: ReadonlySet<string> = new Set(['', 'NULL', 'null', 'Null', 'N/A', 'n/a', '\\N', 'NaN', 'None']);

/**
 * A legacy value that cannot become the field's value: the record is a reject naming why. The
 * message names the column and the rule, never the value (privacy, DESIGN §9); `value` holds it
 * for a spec with `privacy.keepValues`.
 */
export class TransformValueError extends Error {
  constructor(message: string, readonly value: string) {
    super(message);
  }
}

function nullish(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v !== 'string') return false;
  // Longer than any sentinel and nothing for trim() to take off either end: no sentinel (no trim, no hashing).
  if (v.length > 4 && printable(v.charCodeAt(0)) && printable(v.charCodeAt(v.length - 1))) return false;
  return NULL_SENTINELS.has(v.trim());
}

const printable = (c: number) => c > 0x20 && c < 0x7f;

/** Compiles a `from` field: the legacy column, trimmed / parsed / mapped. */
export function compileFrom(f: Extract<FieldSpec, { kind: 'from' }>): FieldGenerator {
  const { column, parse } = f;
  // A Map: an object indexed by each legacy value internalized the value (a string-table lookup)
  // and went through a megamorphic keyed load, for every row (perf, a million-row migration).
  const map = f.map ? new Map(Object.entries(f.map)) : undefined;
  const parseValue = parse === undefined ? undefined : parse === 'trim' ? (v: unknown) => (typeof v === 'string' ? v.trim() : v)
    : 'date' in parse ? dateParser(parse.date, column) : numberParser(parse.number, column);
  return (_rng, ctx) => {
    const raw = ctx.source(column);
    if (nullish(raw)) return null;
    let v: unknown = raw instanceof Date ? raw.toISOString() : raw;
    if (map) {
      const key = typeof v === 'string' ? v.trim() : String(v);
      if (map.has(key)) return map.get(key);
    }
    if (parseValue) v = parseValue(v);
    return v;
  };
}

/**
 * Compiles a `pseudonym` field. The key (from {@link PSEUDONYM_KEY_ENV}) gives the field a subkey,
 * HMAC-SHA256(key, "synthfarm-pseudonym-v2" ‖ method ‖ locale), once; each legacy value is then
 * hashed with SipHash-2-4 under that subkey (its UTF-16 code units and the attempt), and the 64-bit
 * output starts the stream faker draws the fake from. One legacy value gives one fake in every table
 * and run (the spec's seed plays no part); another key gives unrelated fakes. A unique field that
 * collides redraws with the attempt number in the hash: deterministic for the same source order.
 * (Until this version each value cost an HMAC-SHA256: ~5 µs, the largest cost of a migration.)
 * @throws SpecError when the key is not set.
 */
export function compilePseudonym(f: Extract<FieldSpec, { kind: 'pseudonym' }>, specPath: string, fakers: FakerRegistry): FieldGenerator {
  const key = process.env[PSEUDONYM_KEY_ENV];
  if (!key) throw new SpecError(specPath, `kind pseudonym needs a key: set ${PSEUDONYM_KEY_ENV} in the environment (the same key gives the same pseudonyms in every run)`);
  const fake = fakers.resolve(f.method, undefined, f.locale, `${specPath}.method`);
  const rng = new Rng();
  const column = f.column;
  const prf = new SipHash24(createHmac('sha256', key).update(`synthfarm-pseudonym-v2\u0000${f.method}\u0000${f.locale ?? 'en'}`).digest().subarray(0, 16));
  return (_rng, ctx) => {
    const raw = ctx.source(column);
    if (nullish(raw)) return null;
    const value = typeof raw === 'string' ? raw.trim() : raw instanceof Date ? raw.toISOString() : typeof raw === 'object' ? JSON.stringify(raw) : String(raw).trim();
    prf.hashString(value, ctx.attempt);
    return fake(rng.resetPair(prf.lo, prf.hi));
  };
}

/** Parses legacy dates in the first matching format (`DD/MM/YYYY`, `YYYY-MM-DD HH:mm:ss`, ...) into ISO-8601. */
function dateParser(formats: string[], column: string): (v: unknown) => unknown {
  const compiled = formats.map((fmt) => {
    const order: string[] = [];
    const src = fmt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/YYYY|YY|MM|M|DD|D|HH|H|mm|ss/g, (t) => {
      order.push(t[0]!);
      return t.length === 4 ? '(\\d{4})' : t.length === 2 && t !== 'YY' ? '(\\d{2})' : t === 'YY' ? '(\\d{2})' : '(\\d{1,2})';
    });
    // A value in this format is already the ISO text the field writes (once checked to be a date).
    return { re: new RegExp(`^${src}$`), order, time: /H|m|s/.test(order.join('')), fixed: fixedWidth(fmt), iso: fmt === 'YYYY-MM-DD' };
  });
  const digits: number[] = [];
  return (v) => {
    const s = typeof v === 'string' ? v.trim() : String(v).trim();
    for (const c of compiled) {
      // A format of fixed-width tokens (YYYY-MM-DD) is matched character by character: the
      // regular expression's match, without its match array and substrings (it runs for every row).
      const m = c.fixed ? (matchFixed(c.fixed, s, digits) ? digits : null) : c.re.exec(s);
      if (!m) continue;
      let Y = 0;
      let M = 1;
      let D = 1;
      let H = 0;
      let mi = 0;
      let se = 0;
      for (let i = 0; i < c.order.length; i++) {
        const n = m === digits ? digits[i]! : Number((m as RegExpExecArray)[i + 1]);
        switch (c.order[i]) {
          case 'Y': Y = n; break;
          case 'M': M = n; break;
          case 'D': D = n; break;
          case 'H': H = n; break;
          case 'm': mi = n; break;
          default: se = n;
        }
      }
      if (Y < 100) Y += Y < 50 ? 2000 : 1900;
      if (!c.time) {
        // A date alone: checked and written without a Date object (it runs for every legacy row).
        if (M < 1 || M > 12 || D < 1 || D > daysIn(Y, M)) continue; // 31/02 is no date
        // The legacy text itself, not the same characters built again (it runs for every row);
        // a year below 100 is moved to a century above, so that text is built.
        if (c.iso && Y >= 100 && (s.charCodeAt(0) !== 48 || s.charCodeAt(1) !== 48)) return s;
        return `${Y < 1000 ? String(Y).padStart(4, '0') : Y}-${M < 10 ? '0' : ''}${M}-${D < 10 ? '0' : ''}${D}`;
      }
      const d = new Date(Date.UTC(Y, M - 1, D, H, mi, se));
      if (d.getUTCMonth() !== M - 1 || d.getUTCDate() !== D) continue; // 31/02 is no date
      return d.toISOString().replace('.000Z', 'Z');
    }
    throw new TransformValueError(`column ${column}: matches none of the date formats ${formats.join(', ')}`, s.slice(0, 80));
  };
}

/**
 * A date format whose tokens all have a fixed width (YYYY, YY, MM, DD, HH, mm, ss), as one code per
 * character of a matching value: -1 for a digit of a token (a new token starts where the code is
 * -2), else the literal character's code. Undefined when a token has a variable width (M, D, H).
 */
function fixedWidth(fmt: string): number[] | undefined {
  const codes: number[] = [];
  let last = 0;
  for (const m of fmt.matchAll(/YYYY|YY|MM|M|DD|D|HH|H|mm|ss/g)) {
    if (m[0].length === 1) return undefined;
    for (let i = last; i < m.index; i++) codes.push(fmt.charCodeAt(i));
    codes.push(-2);
    for (let i = 1; i < m[0].length; i++) codes.push(-1);
    last = m.index + m[0].length;
  }
  for (let i = last; i < fmt.length; i++) codes.push(fmt.charCodeAt(i));
  return codes;
}

/** Whether `s` matches a {@link fixedWidth} format; its tokens' numbers into `out`, in order. */
function matchFixed(codes: number[], s: string, out: number[]): boolean {
  if (s.length !== codes.length) return false;
  let t = -1;
  for (let i = 0; i < codes.length; i++) {
    const want = codes[i]!;
    const c = s.charCodeAt(i);
    if (want >= 0) {
      if (c !== want) return false;
      continue;
    }
    // \d: ASCII digits only.
    if (c < 48 || c > 57) return false;
    if (want === -2) out[++t] = c - 48;
    else out[t] = out[t]! * 10 + (c - 48);
  }
  return true;
}

/** Days in month `m` (1–12) of year `y`, proleptic Gregorian like Date. */
function daysIn(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Parses numbers written with thousands separators and a decimal mark (`1.234,50`). */
function numberParser(o: { thousands: string; decimal: string }, column: string): (v: unknown) => unknown {
  return (v) => {
    if (typeof v === 'number') return v;
    let s = (typeof v === 'string' ? v : String(v)).trim();
    if (o.thousands) s = s.split(o.thousands).join('');
    if (o.decimal !== '.') s = s.replace(o.decimal, '.');
    const n = s === '' ? NaN : Number(s);
    if (!Number.isFinite(n)) throw new TransformValueError(`column ${column}: is not a number`, String(v).slice(0, 80));
    return n;
  };
}
