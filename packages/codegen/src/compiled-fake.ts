import type { Faker } from '@faker-js/faker';

/**
 * faker's `helpers.fake` with its patterns compiled once.
 *
 * Many faker methods fill a pattern from the locale's data: `location.city` picks one of
 * `{{location.city_prefix}} {{person.firstName}}{{location.city_suffix}}`, …; `person.lastName`
 * picks `{{person.last_name.generic}}` or a double-barrelled one. faker evaluates such a pattern
 * anew on every call: a regular-expression search for the first `{{`, the expression cut out and
 * resolved part by part (a regex per part, arrays filtered and mapped), the value spliced in and
 * the whole string searched again. That is ~10 µs for a city and ~3 µs for a last name, more
 * than everything else a record costs.
 *
 * Here a pattern is split once into its literal text and its expressions, and an expression's
 * path is walked once down to its last part. A call then does what faker's evaluation does, in
 * the same order and with the same draws from the same randomizer (`helpers.arrayElement` on
 * every array the last part reaches, then a method call), so values are byte-for-byte faker's
 * own (a test compares them over many seeds, methods and locales). What this cannot prove equal
 * goes to faker's own `fake`: a pattern with other braces or expressions with arguments, a path
 * that passes through an array or a function before its last part, and, from the point it was
 * inserted, a value that itself holds a brace (faker would search it for patterns too).
 */
export function compileFakePatterns(faker: Faker): void {
  const helpers = faker.helpers as unknown as FakeHelpers;
  // Bound to `helpers` by faker's constructor; its own recursion calls `helpers.fake` again.
  const original = helpers.fake;
  const compiled = new Map<string, CompiledPattern | null>();
  let delegating = 0;
  const slow = (text: string): string => {
    delegating++;
    try {
      return original(text);
    } finally {
      delegating--;
    }
  };
  helpers.fake = (pattern) => {
    if (delegating) return original(pattern);
    const text = typeof pattern === 'string' ? pattern : helpers.arrayElement(pattern);
    let c = compiled.get(text);
    if (c === undefined) {
      c = compilePattern(text, faker);
      // Patterns come from locale data (a few hundred); a caller's own strings are not kept.
      if (compiled.size < MAX_PATTERNS) compiled.set(text, c);
    }
    if (c === null) return slow(text);
    let out = c.literals[0]!;
    for (let i = 0; i < c.expressions.length; i++) {
      const value = c.expressions[i]!.evaluate(helpers);
      if (value === undefined) return slow(out + c.rests[i]!);
      if (hasBrace(value)) return slow(out + value + c.tails[i]!);
      out += value + c.literals[i + 1]!;
    }
    return out;
  };
}

interface FakeHelpers {
  fake(pattern: string | readonly string[]): string;
  arrayElement<T>(array: readonly T[]): T;
}

interface CompiledPattern {
  /** Text before, between and after the expressions: `expressions.length + 1` of them. */
  literals: string[];
  expressions: CompiledExpression[];
  /** The pattern from expression i on (`{{…}}` included): where faker resumes when i fails. */
  rests: string[];
  /** The pattern after expression i: what follows a value that needs faker's own evaluation. */
  tails: string[];
}

const MAX_PATTERNS = 10_000;
const EXPRESSION = /\{\{([a-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\}\}/g;

function hasBrace(s: string): boolean {
  return s.indexOf('{') >= 0 || s.indexOf('}') >= 0;
}

function compilePattern(text: string, faker: Faker): CompiledPattern | null {
  const literals: string[] = [];
  const expressions: CompiledExpression[] = [];
  const rests: string[] = [];
  const tails: string[] = [];
  let from = 0;
  for (const m of text.matchAll(EXPRESSION)) {
    literals.push(text.slice(from, m.index));
    const expression = compileExpression(m[1]!, faker);
    if (!expression) return null;
    expressions.push(expression);
    rests.push(text.slice(m.index));
    from = m.index + m[0].length;
    tails.push(text.slice(from));
  }
  literals.push(text.slice(from));
  // With no brace outside its expressions, faker's search-and-splice finds the expressions in
  // this order and nothing else.
  if (literals.some(hasBrace)) return null;
  return { literals, expressions, rests, tails };
}

/** `a.b.c`: the entries `a.b` leads to (fixed objects), and `c`, looked up on each call. */
class CompiledExpression {
  constructor(
    private readonly entries: readonly object[],
    private readonly last: string,
  ) {}

  /** The value as faker's `fakeEval` gives it, or undefined when it resolves to nothing. */
  evaluate(helpers: FakeHelpers): string | undefined {
    // fakeEval's last step: each entry's property, nullish ones dropped, arrays drawn from (in
    // entry order, even those after the first), the first one called when it is a function.
    let first: unknown;
    let found = false;
    for (let e = 0; e < this.entries.length; e++) {
      let v = (this.entries[e] as Record<string, unknown>)[this.last];
      if (v === null || v === undefined) continue;
      if (Array.isArray(v)) v = helpers.arrayElement(v);
      if (!found) (first = v), (found = true);
    }
    if (!found) return undefined;
    return String(typeof first === 'function' ? (first as () => unknown)() : first);
  }
}

function compileExpression(expression: string, faker: Faker): CompiledExpression | null {
  const parts = expression.split('.');
  // fakeEval starts from the faker and its raw locale data.
  let entries: unknown[] = [faker, faker.rawDefinitions];
  for (const part of parts.slice(0, -1)) {
    const next: unknown[] = [];
    for (const e of entries) {
      // An array would be drawn from, a function called, at this step: left to faker.
      if (typeof e !== 'object' || e === null || Array.isArray(e)) return null;
      const v = (e as Record<string, unknown>)[part];
      if (v !== null && v !== undefined) next.push(v);
    }
    entries = next;
  }
  if (entries.length === 0 || entries.some((e) => typeof e !== 'object' || e === null || Array.isArray(e))) return null;
  return new CompiledExpression(entries as object[], parts.at(-1)!);
}
