import { faker as enFaker } from '@faker-js/faker/locale/en';
import type { Faker, FakerOptions, LocaleDefinition } from '@faker-js/faker';
import { describe, expect, it } from 'vitest';
import { fastFakerMethod } from './fast-faker.js';
import { Rng } from './rng.js';

const METHODS = ['person.firstName', 'person.lastName', 'person.middleName', 'person.fullName', 'internet.username', 'internet.email', 'string.uuid'];
// Latin, non-Latin and mixed scripts, name patterns with prefixes, suffixes and double last names.
const LOCALES = ['en', 'de', 'fr', 'es', 'it', 'pt_BR', 'pl', 'nl', 'sv', 'tr', 'ru', 'ja', 'zh_CN', 'ar', 'el', 'vi'];
const STREAMS = 1000;

/** A Faker of `locale` drawing from a stream we hand it, as FakerRegistry builds one. */
async function fakerOf(locale: string): Promise<{ faker: Faker; use(rng: Rng): void }> {
  const def = ((await import(`@faker-js/faker/locale/${locale}`)) as { faker: Faker }).faker.rawDefinitions as LocaleDefinition;
  let current: Rng | undefined;
  const FakerClass = enFaker.constructor as new (o: FakerOptions) => Faker;
  const faker = new FakerClass({ locale: def, randomizer: { next: () => current!.next(), seed: () => undefined } });
  return { faker, use: (rng) => (current = rng) };
}

describe('fastFakerMethod', () => {
  it.each(LOCALES)('gives faker\'s own value for every method in locale %s, drawing the same numbers', async (locale) => {
    const { faker, use } = await fakerOf(locale);
    for (const method of METHODS) {
      const fast = fastFakerMethod(faker, method);
      expect(fast, `${locale} ${method} has a fast equivalent`).toBeDefined();
      const [mod, fn] = method.split('.') as [string, string];
      const call = (faker as unknown as Record<string, Record<string, () => string>>)[mod]![fn]!;
      let handedBack = 0;
      for (let s = 0; s < STREAMS; s++) {
        const a = new Rng(s);
        const b = new Rng(s);
        use(a);
        const want = call();
        const got = fast!(b);
        if (got === undefined) {
          // Handed back to faker: the stream must be where it was.
          handedBack++;
          expect(b.u32(), `${locale} ${method} stream ${s} restored`).toBe(new Rng(s).u32());
          continue;
        }
        expect(got, `${locale} ${method} stream ${s}`).toBe(want);
        expect(b.u32(), `${locale} ${method} stream ${s}: same draws`).toBe(a.u32());
      }
      // Only usernames and emails with letters faker must transliterate go back to faker.
      if (!method.startsWith('internet.') || locale === 'en') expect(handedBack, `${locale} ${method}`).toBe(0);
    }
  });

  it('has no equivalent for other methods, which faker runs', async () => {
    const { faker } = await fakerOf('en');
    expect(fastFakerMethod(faker, 'location.city')).toBeUndefined();
    expect(fastFakerMethod(faker, 'person.jobTitle')).toBeUndefined();
  });
});
