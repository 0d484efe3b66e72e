import { describe, expect, it } from 'vitest';
import { Faker, type LocaleDefinition } from '@faker-js/faker';
import { faker as en } from '@faker-js/faker/locale/en';
import { faker as de } from '@faker-js/faker/locale/de';
import { faker as fr } from '@faker-js/faker/locale/fr';
import { faker as ja } from '@faker-js/faker/locale/ja';
import { faker as ptBR } from '@faker-js/faker/locale/pt_BR';
import { compileFakePatterns } from './compiled-fake.js';

/** Methods whose values come from `helpers.fake` patterns (some nested, some weighted). */
const METHODS = [
  'location.city',
  'location.street',
  'location.streetAddress',
  'location.secondaryAddress',
  'location.state',
  'person.lastName',
  'person.fullName',
  'person.jobTitle',
  'company.name',
  'internet.email',
  'internet.username',
  'phone.number',
  'lorem.sentence',
] as const;

function pair(def: LocaleDefinition, seed: number): [Faker, Faker] {
  const plain = new Faker({ locale: def, seed });
  const fast = new Faker({ locale: def, seed });
  compileFakePatterns(fast);
  return [plain, fast];
}

function call(f: Faker, method: string): unknown {
  const [mod, fn] = method.split('.') as [string, string];
  return (f as unknown as Record<string, Record<string, () => unknown>>)[mod]![fn]!();
}

describe('compiled faker patterns', () => {
  for (const [name, locale] of [['en', en], ['de', de], ['fr', fr], ['ja', ja], ['pt_BR', ptBR]] as const) {
    it(`give faker's own values, draw for draw, in locale ${name}`, () => {
      for (const seed of [1, 42, 2024]) {
        const [plain, fast] = pair(locale.rawDefinitions, seed);
        for (let i = 0; i < 600; i++) {
          for (const m of METHODS) {
            let expected: unknown;
            try {
              expected = call(plain, m);
            } catch (err) {
              expect(() => call(fast, m)).toThrow((err as Error).message);
              continue;
            }
            expect(call(fast, m), `${name} ${m} seed ${seed} call ${i}`).toBe(expected);
          }
          // The streams stay in step: the next draw agrees as well.
          expect(fast.number.int(1e9)).toBe(plain.number.int(1e9));
        }
      }
    });
  }

  it('evaluates patterns passed in directly, as faker does', () => {
    const [plain, fast] = pair(en.rawDefinitions, 7);
    const patterns = [
      '{{person.firstName}} {{person.lastName}}',
      'no expression at all',
      '{{location.city_name}}, {{location.country}}',
      '{{person.last_name.generic}}',
      // Left to faker: arguments, upper-case starts, stray braces, unknown paths.
      '{{number.int(10)}} items',
      '{{Person.firstName}}',
      'a {single} brace {{person.firstName}}',
      '{{{person.firstName}}}',
      ['{{color.human}}', '{{animal.dog}}'],
    ];
    for (let i = 0; i < 200; i++) {
      for (const p of patterns) expect(fast.helpers.fake(p as string)).toBe(plain.helpers.fake(p as string));
    }
    expect(() => fast.helpers.fake('{{person.nothingHere}}')).toThrow(/Cannot resolve expression 'person.nothingHere'/);
  });

  it('hands a value holding braces to faker, which evaluates it as a pattern', () => {
    const custom: LocaleDefinition = { ...en.rawDefinitions, person: { ...en.rawDefinitions.person, first_name: { generic: ['{{person.last_name.generic}}'] } } };
    const [plain, fast] = pair(custom, 3);
    for (let i = 0; i < 200; i++) {
      const expected = plain.helpers.fake('Mr {{person.first_name.generic}} of {{location.city_name}}');
      expect(fast.helpers.fake('Mr {{person.first_name.generic}} of {{location.city_name}}')).toBe(expected);
      expect(expected).not.toMatch(/[{}]/);
    }
  });
});
