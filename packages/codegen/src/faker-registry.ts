import { Faker, allLocales, type LocaleDefinition } from '@faker-js/faker';
import { SpecError } from '@synthfarm/core';
import { Rng } from './rng.js';

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
        ? ` (${mod} has: ${Object.keys(Object.getPrototypeOf(modObj)).filter((k) => k !== 'constructor').slice(0, 12).join(', ')}…)`
        : '';
      throw new SpecError(`${path}.method`, `unknown faker method '${method}'${hint}`);
    }
    const f = fn as (...a: unknown[]) => unknown;
    const a = args ?? [];
    // Probe once: bad arguments fail here, at validation, with the field's path.
    randomizer.rng = probeRng;
    try {
      f.apply(owner, a);
    } catch (err) {
      throw new SpecError(`${path}.args`, `faker ${method} rejected its arguments: ${(err as Error).message}`);
    }
    return (rng) => {
      randomizer.rng = rng;
      return normalize(f.apply(owner, a));
    };
  }

  private forLocale(locale: string, path: string) {
    let entry = this.fakers.get(locale);
    if (!entry) {
      const def = (allLocales as Record<string, LocaleDefinition>)[locale];
      if (!def) throw new SpecError(`${path}.locale`, `unknown faker locale '${locale}' (for example: en, de, fr, ja, pt_BR)`);
      const randomizer = new DelegatingRandomizer();
      const chain = [def, allLocales.en, allLocales.base].filter((l, i, all) => all.indexOf(l) === i);
      entry = { faker: new Faker({ locale: chain, randomizer }), randomizer };
      this.fakers.set(locale, entry);
    }
    return entry;
  }
}

/** Faker returns Dates and BigInts in places; records carry JSON values only. */
function normalize(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  return v;
}

// A fixed stream for the argument probe, so validation is deterministic too.
const probeRng = new Rng(0x5eed);
