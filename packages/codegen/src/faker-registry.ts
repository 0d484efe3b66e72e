import { faker as enFaker } from '@faker-js/faker/locale/en';
import type { Faker, FakerOptions, LocaleDefinition } from '@faker-js/faker';
import type { FieldSpec, Spec, SpecLimits } from '@synthfarm/spec';
import { clip, limitError } from '@synthfarm/spec/limit-error';
import { SpecError } from '@synthfarm/core/errors';
import { fastFakerMethod } from './fast-faker.js';
import { Rng } from './rng.js';
import { compileFakePatterns } from './compiled-fake.js';

/** Hands faker the stream of the field being generated; faker itself never seeds. */
class DelegatingRandomizer {
  rng: Rng | undefined;
  // Arrow functions: faker calls these detached from the object.
  next = (): number => this.rng!.next();
  seed = (): void => {};
}

/** A faker method bound to its locale, called with the current field's stream. */
export type FakerCall = (rng: Rng) => unknown;

/**
 * One Faker per locale (cheap to share: the randomizer is swapped per call).
 * Methods are resolved once at compile time so an unknown method is a spec error, not a crash.
 */
export class FakerRegistry {
  private readonly fakers = new Map<string, { faker: Faker; randomizer: DelegatingRandomizer }>();
  // Locales are imported one by one (`@faker-js/faker/locale/de`): the package's main entry
  // loads all 77 of them, which costs ~30 MB in every worker thread.
  private readonly definitions = new Map<string, LocaleDefinition>([['en', enFaker.rawDefinitions]]);

  /**
   * With limits (when a spec is checked), a probed value longer than `fakerValueChars` is a spec
   * error. Without (worker threads compiling an already-checked spec), values are not measured.
   */
  private limits: SpecLimits | undefined;

  /** A registry with every locale a spec's faker fields name loaded. Unknown locales are spec errors. */
  static async forSpec(spec: Spec, limits?: SpecLimits): Promise<FakerRegistry> {
    const registry = new FakerRegistry();
    registry.limits = limits;
    for (const [path, locale] of fakerLocales(spec)) {
      if (registry.definitions.has(locale)) continue;
      if (!/^[a-z]{2,3}(_[A-Za-z]{2,8})*$/.test(locale)) throw new SpecError(`${path}.locale`, `unknown faker locale '${clip(locale, 40)}' (for example: en, de, fr, ja, pt_BR)`);
      try {
        const mod = (await import(`@faker-js/faker/locale/${locale}`)) as { faker: Faker };
        registry.definitions.set(locale, mod.faker.rawDefinitions);
      } catch {
        throw new SpecError(`${path}.locale`, `unknown faker locale '${locale}' (for example: en, de, fr, ja, pt_BR)`);
      }
    }
    return registry;
  }

  resolve(method: string, args: unknown[] | undefined, locale: string | undefined, path: string): FakerCall {
    const { faker, randomizer } = this.forLocale(locale ?? 'en', path);
    const parts = method.split('.');
    let owner: unknown = faker;
    let fn: unknown = faker;
    for (const p of parts) {
      owner = fn;
      fn = fn && typeof fn === 'object' ? (fn as Record<string, unknown>)[p] : undefined;
      if (fn === undefined) break;
    }
    if (typeof fn !== 'function' || parts[0] === 'helpers' && parts.length < 2) {
      const mod = parts[0]!;
      const modObj = (faker as unknown as Record<string, unknown>)[mod];
      const hint = modObj && typeof modObj === 'object'
        ? ` (${mod} has: ${Object.getOwnPropertyNames(Object.getPrototypeOf(modObj)).filter((k) => k !== 'constructor').slice(0, 12).join(', ')}…)`
        : '';
      throw new SpecError(`${path}.method`, `unknown faker method '${clip(method, 80)}'${hint}`);
    }
    const f = fn as (...a: unknown[]) => unknown;
    const a = args ?? [];
    // Probe once: bad arguments fail here, at validation, with the field's path.
    randomizer.rng = probeRng;
    let probe: unknown;
    try {
      probe = normalize(f.apply(owner, a));
    } catch (err) {
      throw new SpecError(`${path}.args`, `faker ${method} rejected its arguments: ${clip((err as Error).message, 200)}`);
    }
    if (this.limits) {
      const chars = typeof probe === 'string' ? probe.length : (JSON.stringify(probe) ?? '').length;
      if (chars > this.limits.fakerValueChars) throw limitError(`${path}.args`, `a value of ${chars} characters from faker ${method}`, 'fakerValueChars', this.limits);
    }
    // The same value faker gives on the same stream, without faker's per-call overhead (fast-faker.ts).
    const fast = a.length === 0 ? fastFakerMethod(faker, method) : undefined;
    if (fast) {
      return (rng) => {
        const v = fast(rng);
        if (v !== undefined) return v;
        randomizer.rng = rng;
        return normalize(f.apply(owner, a));
      };
    }
    return (rng) => {
      randomizer.rng = rng;
      return normalize(f.apply(owner, a));
    };
  }

  private forLocale(locale: string, path: string) {
    let entry = this.fakers.get(locale);
    if (!entry) {
      const def = this.definitions.get(locale);
      if (!def) throw new SpecError(`${path}.locale`, `unknown faker locale '${locale}' (for example: en, de, fr, ja, pt_BR)`);
      const randomizer = new DelegatingRandomizer();
      const FakerClass = enFaker.constructor as new (o: FakerOptions) => Faker;
      const faker = new FakerClass({ locale: def, randomizer });
      // Date methods (date.past, date.recent, …) count from a reference date, by default now:
      // a fixed one keeps a record a pure function of (seed, dataset, field, index).
      faker.setDefaultRefDate(FAKER_REF_DATE);
      compileFakePatterns(faker);
      entry = { faker, randomizer };
      this.fakers.set(locale, entry);
    }
    return entry;
  }
}

/** Every (path, locale) of a spec's faker fields other than the default `en`. */
function fakerLocales(spec: Spec): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (f: FieldSpec, path: string) => {
    if ((f.kind === 'faker' || f.kind === 'pseudonym') && f.locale && f.locale !== 'en') out.push([path, f.locale]);
    else if (f.kind === 'object') for (const [k, c] of Object.entries(f.fields)) walk(c, `${path}.fields.${k}`);
    else if (f.kind === 'array') walk(f.of, `${path}.of`);
  };
  spec.datasets.forEach((ds, d) => Object.entries(ds.fields ?? {}).forEach(([k, f]) => walk(f, `datasets[${d}].fields.${k}`)));
  return out;
}

/** Faker returns Dates and BigInts in places; records carry JSON values only. */
function normalize(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** The "now" faker's date methods count from, so their values do not change with the clock. */
const FAKER_REF_DATE = new Date('2025-01-01T00:00:00.000Z');

// A fixed stream for the argument probe, so validation is deterministic too.
const probeRng = new Rng(0x5eed);
