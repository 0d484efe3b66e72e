import { afterEach, describe, expect, it, vi } from 'vitest';
import { faker as fakerDe } from '@faker-js/faker/locale/de';
import { faker as fakerEn } from '@faker-js/faker/locale/en';
import { SpecError } from '@synthfarm/core';
import { validateSpec, type Spec } from '@synthfarm/spec';
import { CompiledDataset } from './compile-dataset.js';
import { checkCompiles } from './compile-spec.js';
import { FakerRegistry } from './faker-registry.js';

function specOf(fields: Record<string, unknown>): Spec {
  return validateSpec({ seed: 42, datasets: [{ name: 't', count: 1000, fields }] }, 't.yaml', 'test', { env: {} }).spec;
}

async function draw(field: Record<string, unknown>, n = 1000): Promise<unknown[]> {
  const spec = specOf({ x: field });
  const ds = new CompiledDataset(spec, 0, await FakerRegistry.forSpec(spec));
  return Array.from({ length: n }, (_, i) => ds.generate(i).x);
}

/** The SpecError a spec's faker fields raise at validation time. */
async function compileError(fields: Record<string, unknown>): Promise<SpecError> {
  const err: unknown = await checkCompiles(specOf(fields)).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SpecError);
  return err as SpecError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('faker fields', () => {
  it('call the method path with its args', async () => {
    const ints = await draw({ kind: 'faker', method: 'number.int', args: [{ min: 5, max: 9 }] });
    expect(new Set(ints)).toEqual(new Set([5, 6, 7, 8, 9]));

    const codes = (await draw({ kind: 'faker', method: 'string.alpha', args: [{ length: 12, casing: 'upper' }] }, 200)) as string[];
    expect(codes.filter((c) => !/^[A-Z]{12}$/.test(c))).toEqual([]);

    const words = (await draw({ kind: 'faker', method: 'lorem.words', args: [3] }, 200)) as string[];
    expect(words.every((w) => w.split(' ').length === 3)).toBe(true);
  });

  it("use the field's locale: `de` last names come from the German list", async () => {
    const de = new Set(fakerDe.rawDefinitions.person!.last_name!.generic);
    const en = new Set(fakerEn.rawDefinitions.person!.last_name!.generic);
    const names = (await draw({ kind: 'faker', method: 'person.lastName', locale: 'de' })) as string[];
    expect(names.filter((n) => !de.has(n))).toEqual([]);
    // And not the English one: most German surnames in faker's list are not in the English list.
    expect(names.filter((n) => !en.has(n)).length).toBeGreaterThan(names.length / 2);
    // English surnames are sometimes double-barrelled (`Hane-Kiehn`); each part is from the list.
    const english = (await draw({ kind: 'faker', method: 'person.lastName' }, 300)) as string[];
    expect(english.filter((n) => !n.split('-').every((part) => en.has(part)))).toEqual([]);
  });

  it('a locale and the default locale can be mixed in one dataset', async () => {
    const spec = specOf({ de: { kind: 'faker', method: 'location.state', locale: 'de' }, en: { kind: 'faker', method: 'location.state' } });
    const ds = new CompiledDataset(spec, 0, await FakerRegistry.forSpec(spec));
    const deStates = new Set(fakerDe.rawDefinitions.location!.state);
    const enStates = new Set(fakerEn.rawDefinitions.location!.state);
    for (let i = 0; i < 200; i++) {
      const r = ds.generate(i);
      expect(deStates.has(r.de as string)).toBe(true);
      expect(enStates.has(r.en as string)).toBe(true);
    }
  });

  it('values differ between records and repeat exactly for the same record', async () => {
    const a = await draw({ kind: 'faker', method: 'person.fullName' }, 500);
    const b = await draw({ kind: 'faker', method: 'person.fullName' }, 500);
    expect(b).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(450);
  });

  it('date methods do not depend on the clock: same record, same value, any day it runs', async () => {
    const field = { kind: 'faker', method: 'date.recent' };
    vi.useFakeTimers({ now: new Date('2021-05-01T00:00:00Z'), toFake: ['Date'] });
    const first = await draw(field, 20);
    vi.setSystemTime(new Date('2031-09-09T12:00:00Z'));
    const later = await draw(field, 20);
    expect(later).toEqual(first);
    // Faker Dates become ISO strings: records carry JSON values only.
    expect((first as string[]).every((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(v))).toBe(true);
  });
});

describe('faker errors are spec errors naming the field', () => {
  it('an unknown method names the path, the method, and what the module has', async () => {
    const err = await compileError({ name: { kind: 'faker', method: 'person.nope' } });
    expect(err.path).toBe('datasets[0].fields.name.method');
    expect(err.message).toMatch(/^datasets\[0\]\.fields\.name\.method: unknown faker method 'person\.nope' \(person has: [^)]*firstName/);
  });

  it('an unknown module', async () => {
    const err = await compileError({ name: { kind: 'faker', method: 'nope.thing' } });
    expect(err.message).toBe("datasets[0].fields.name.method: unknown faker method 'nope.thing'");
  });

  it('inside an object and inside an array', async () => {
    expect((await compileError({ home: { kind: 'object', fields: { city: { kind: 'faker', method: 'location.town' } } } })).path)
      .toBe('datasets[0].fields.home.fields.city.method');
    expect((await compileError({ tags: { kind: 'array', max: 2, of: { kind: 'faker', method: 'word.nope' } } })).path)
      .toBe('datasets[0].fields.tags.of.method');
  });

  it('arguments the method rejects', async () => {
    const err = await compileError({ n: { kind: 'faker', method: 'number.int', args: [{ min: 10, max: 1 }] } });
    expect(err.message).toBe('datasets[0].fields.n.args: faker number.int rejected its arguments: Max 1 should be greater than min 10.');
  });

  it.each(['xx', 'DE!'])('an unknown locale %j', async (locale) => {
    const err = await compileError({ n: { kind: 'faker', method: 'person.firstName', locale } });
    expect(err.message).toBe(`datasets[0].fields.n.locale: unknown faker locale '${locale}' (for example: en, de, fr, ja, pt_BR)`);
  });

  it('a method path that is not a function (a module itself) is rejected too', async () => {
    const err = await compileError({ n: { kind: 'faker', method: 'person.faker' } });
    expect(err.path).toBe('datasets[0].fields.n.method');
  });
});
