import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError, UsageError } from '@synthfarm/core';
import { loadSpecFile, parseSpecText } from './load-spec.js';

const ONE = `
name: people
count: 10
fields:
  id: { kind: sequence }
  age: { kind: normal, mean: 35, sd: 12 }
`;

const TWO = `
seed: 9
datasets:
  - name: customers
    count: 10
    fields: { id: { kind: sequence } }
  - name: orders
    count: 30
    fields: { customerId: { kind: ref, dataset: customers, field: id } }
`;

describe('spec forms', () => {
  it('a one-dataset spec may put name/count/fields at the top level', () => {
    const { spec } = parseSpecText(ONE, 'people.yaml', { env: {} });
    expect(spec.datasets).toHaveLength(1);
    expect(spec.datasets[0]).toMatchObject({ name: 'people', count: 10, batchSize: 250 });
    expect(Object.keys(spec.datasets[0]!.fields!)).toEqual(['id', 'age']);
    expect(spec).toMatchObject({ version: 1, seed: 42, output: { formats: ['csv', 'jsonl'], dir: 'out', escapeFormulas: true }, backends: {} });
  });

  it('without a name, the dataset is named after the file', () => {
    const { spec } = parseSpecText('count: 3\nfields:\n  id: { kind: uuid }\n', 'jobs/my-users.v2.yaml', { env: {} });
    expect(spec.datasets[0]!.name).toBe('my-users_v2');
  });

  it('JSON specs are accepted and mean the same as the YAML', () => {
    const json = JSON.stringify({ name: 'people', count: 10, fields: { id: { kind: 'sequence' }, age: { kind: 'normal', mean: 35, sd: 12 } } });
    expect(parseSpecText(json, 'people.json', { env: {} }).spec).toEqual(parseSpecText(ONE, 'people.yaml', { env: {} }).spec);
  });

  it('a JSON syntax error says JSON and where', () => {
    expect(() => parseSpecText('{"name": "a"\n  "count": 1}', 'bad.json', { env: {} })).toThrow('bad.json:2:3: JSON syntax error: Missing , between flow map items');
  });

  it('a YAML syntax error is a usage error with file:line:col', () => {
    let err: unknown;
    try {
      parseSpecText('name: a\ncount: 1\nfields:\n  id: { kind: sequence\n  b: 1\n', 'jobs/bad.yaml', { env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^bad\.yaml:5:3: YAML syntax error: \S/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a key given twice is an error, not a silent overwrite', () => {
    expect(() => parseSpecText('name: a\ncount: 1\ncount: 2\nfields:\n  id: { kind: uuid }\n', 'dup.yaml', { env: {} })).toThrow(/^dup\.yaml:3:1: YAML syntax error: Map keys must be unique/);
  });
});

describe('overrides', () => {
  it('count, batchSize, seed and outDir replace the spec values of a one-dataset spec', () => {
    const { spec } = parseSpecText(ONE, 'people.yaml', { env: {}, overrides: { count: 5000, batchSize: 7, seed: 123, outDir: '/tmp/x' } });
    expect(spec.datasets[0]).toMatchObject({ count: 5000, batchSize: 7 });
    expect(spec.seed).toBe(123);
    expect(spec.output.dir).toBe('/tmp/x');
  });

  it('seed and outDir apply to a multi-dataset spec too', () => {
    const { spec } = parseSpecText(TWO, 'two.yaml', { env: {}, overrides: { seed: 1, outDir: 'o' } });
    expect(spec.seed).toBe(1);
    expect(spec.output.dir).toBe('o');
    expect(spec.datasets.map((d) => d.count)).toEqual([10, 30]);
  });

  it.each([{ count: 5 }, { batchSize: 5 }])('%o on a multi-dataset spec is a usage error', (o) => {
    expect(() => parseSpecText(TWO, 'two.yaml', { env: {}, overrides: o })).toThrow(UsageError);
    expect(() => parseSpecText(TWO, 'two.yaml', { env: {}, overrides: o })).toThrow('--count and --batch-size apply to a one-dataset spec; this spec has 2 datasets');
  });

  it('an override is validated like the spec value', () => {
    expect(() => parseSpecText(ONE, 'people.yaml', { env: {}, overrides: { count: 0 } })).toThrow('datasets[0].count: must be > 0');
  });
});

describe('loadSpecFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synthfarm-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads YAML and JSON files', async () => {
    await writeFile(join(dir, 'people.yaml'), ONE);
    await writeFile(join(dir, 'people.json'), JSON.stringify({ name: 'people', count: 3, fields: { id: { kind: 'uuid' } } }));
    expect((await loadSpecFile(join(dir, 'people.yaml'), { env: {} })).spec.datasets[0]!.count).toBe(10);
    const json = await loadSpecFile(join(dir, 'people.json'), { env: {} });
    expect(json.spec.datasets[0]!.count).toBe(3);
    expect(json.source).toBe(join(dir, 'people.json'));
  });

  it('a missing file or a directory is a usage error naming the path', async () => {
    await expect(loadSpecFile(join(dir, 'nope.yaml'))).rejects.toThrow(new UsageError(`spec file not found: ${join(dir, 'nope.yaml')}`));
    await expect(loadSpecFile(dir)).rejects.toThrow(`spec path is a directory, not a file: ${dir}`);
  });
});

/** A one-dataset spec with one field line (and optional top-level lines). */
const field = (line: string, top = ''): string => `name: people\ncount: 10\n${top}fields:\n  ${line}\n`;
const two = (a: string, b: string): string => `datasets:\n  - name: a\n    count: 5\n    fields: { ${a} }\n  - name: b\n    count: 5\n    fields: { ${b} }\n`;
const KINDS = 'sequence, uuid, faker, template, uniform, normal, lognormal, exponential, poisson, bool, choice, date, datetime, empirical, ref, llm, object, array, from, pseudonym';

describe('bad specs: the path and the rule, exactly', () => {
  const cases: Array<[string, string, string]> = [
    ['sd of 0', field('age: { kind: normal, mean: 35, sd: 0 }'), 'datasets[0].fields.age.sd: must be > 0'],
    ['negative sd', field('age: { kind: normal, mean: 35, sd: -1 }'), 'datasets[0].fields.age.sd: must be > 0'],
    ['missing parameter', field('age: { kind: normal, sd: 1 }'), 'datasets[0].fields.age.mean: is required'],
    ['wrong type', field('age: { kind: normal, mean: x, sd: 1 }'), 'datasets[0].fields.age.mean: must be number, got string "x"'],
    ['unknown option', field('age: { kind: normal, mean: 1, sd: 1, colour: red }'), "datasets[0].fields.age: unknown key 'colour'"],
    ['unknown kind', field('age: { kind: gaussian, mean: 1 }'), `datasets[0].fields.age.kind: unknown field kind 'gaussian' (expected one of: ${KINDS})`],
    ['no kind', field('age: { mean: 1 }'), `datasets[0].fields.age.kind: is required (one of: ${KINDS})`],
    ['min above max', field('x: { kind: uniform, min: 5, max: 1 }'), 'datasets[0].fields.x.min: must be <= max (5 > 1)'],
    ['uniform without max', field('x: { kind: uniform, min: 1 }'), 'datasets[0].fields.x.max: is required'],
    ['probability above 1', field('b: { kind: bool, p: 1.5 }'), 'datasets[0].fields.b.p: must be between 0 and 1'],
    ['nullRate above 1', field('x: { kind: uuid, nullRate: 2 }'), 'datasets[0].fields.x.nullRate: must be between 0 and 1'],
    ['choice with neither', field('c: { kind: choice }'), 'datasets[0].fields.c: needs exactly one of values or weights'],
    ['choice with both', field('c: { kind: choice, values: [a], weights: { a: 1 } }'), 'datasets[0].fields.c: needs exactly one of values or weights'],
    ['empty values', field('c: { kind: choice, values: [] }'), 'datasets[0].fields.c.values: must list at least one value'],
    ['zero weights', field('c: { kind: choice, weights: { a: 0 } }'), 'datasets[0].fields.c.weights: must add up to more than 0'],
    ['negative weight', field('c: { kind: choice, weights: { a: -1 } }'), 'datasets[0].fields.c.weights.a: must be >= 0'],
    ['from after to', field('d: { kind: date, from: 2024-02-01, to: 2024-01-01 }'), 'datasets[0].fields.d.from: must be on or before to (2024-02-01T00:00:00.000Z > 2024-01-01T00:00:00.000Z)'],
    ['not a date', field('d: { kind: datetime, from: someday, to: 2024-01-01 }'), "datasets[0].fields.d.from: must be an ISO-8601 date, got 'someday'"],
    ['step 0', field('s: { kind: sequence, step: 0 }'), 'datasets[0].fields.s.step: must not be 0'],
    ['template names no field', field('t: { kind: template, template: "{{nope}}" }'), 'datasets[0].fields.t.template: {{nope}} names no field of this dataset'],
    ['template refers to itself', field('t: { kind: template, template: "x{{t}}" }'), 'datasets[0].fields.t.template: {{t}} refers to itself'],
    ['nested template names no field', field('o: { kind: object, fields: { t: { kind: template, template: "{{o.x}}" } } }'), 'datasets[0].fields.o.fields.t.template: {{o.x}} names no field of this dataset'],
    ['array min above max', field('a: { kind: array, min: 3, max: 1, of: { kind: uuid } }'), 'datasets[0].fields.a.min: min must be <= max'],
    ['array without of', field('a: { kind: array, max: 1 }'), 'datasets[0].fields.a.of: is required'],
    ['correlate with a missing field', field('x: { kind: normal, mean: 0, sd: 1, correlate: { with: y, r: 0.5 } }'), "datasets[0].fields.x.correlate.with: names no field of this dataset: 'y'"],
    ['correlate with itself', field('x: { kind: normal, mean: 0, sd: 1, correlate: { with: x, r: 0.5 } }'), 'datasets[0].fields.x.correlate.with: cannot correlate a field with itself'],
    ['correlate with text', field('x: { kind: normal, mean: 0, sd: 1, correlate: { with: y, r: 0.5 } }\n  y: { kind: uuid }'), "datasets[0].fields.x.correlate.with: 'y' is uuid; correlate needs a numeric field (uniform, normal, lognormal, exponential, poisson, empirical)"],
    ['r of 1', field('x: { kind: normal, mean: 0, sd: 1, correlate: { with: y, r: 1 } }\n  y: { kind: normal, mean: 0, sd: 1 }'), 'datasets[0].fields.x.correlate.r: must be between -1 and 1 (exclusive)'],
    ['correlate list with a missing field', field('x: { kind: normal, mean: 0, sd: 1, correlate: [{ with: y, r: 0.5 }, { with: z, r: 0.1 }] }\n  y: { kind: normal, mean: 0, sd: 1 }'), "datasets[0].fields.x.correlate[1].with: names no field of this dataset: 'z'"],
    ['correlate list naming a partner twice', field('x: { kind: normal, mean: 0, sd: 1, correlate: [{ with: y, r: 0.5 }, { with: y, r: 0.1 }] }\n  y: { kind: normal, mean: 0, sd: 1 }'), 'datasets[0].fields.x.correlate: names a partner twice (y, y)'],
    ['correlations that cannot hold together', field('a: { kind: normal, mean: 0, sd: 1 }\n  b: { kind: normal, mean: 0, sd: 1, correlate: { with: a, r: -0.5 } }\n  x: { kind: normal, mean: 0, sd: 1, correlate: [{ with: a, r: 0.9 }, { with: b, r: 0.9 }] }'), 'datasets[0].fields.x.correlate: the correlations with a (0.9) and with b (0.9) cannot all hold: the partners\' own correlations are a~b -0.5; lower one of the r values'],
    ['correlate list r of 1', field('x: { kind: normal, mean: 0, sd: 1, correlate: [{ with: y, r: 1 }] }\n  y: { kind: normal, mean: 0, sd: 1 }'), 'datasets[0].fields.x.correlate[0].r: must be between -1 and 1 (exclusive)'],
    ['round not an integer', field('x: { kind: normal, mean: 0, sd: 1, round: 1.5 }'), 'datasets[0].fields.x.round: must be int, got number 1.5'],
    ['rate 0', field('x: { kind: exponential, rate: 0 }'), 'datasets[0].fields.x.rate: must be > 0'],
    ['lambda 0', field('x: { kind: poisson, lambda: 0 }'), 'datasets[0].fields.x.lambda: must be > 0'],
    ['sigma 0', field('x: { kind: lognormal, mu: 0, sigma: 0 }'), 'datasets[0].fields.x.sigma: must be > 0'],
    ['faker method not a path', field('x: { kind: faker, method: person }'), "datasets[0].fields.x.method: must be a faker method path like 'person.firstName'"],
    ['bad field name', field('1bad: { kind: uuid }'), 'datasets[0].fields.1bad: field names are letters, digits and _ and start with a letter or _'],
    ['count 0', 'name: p\ncount: 0\nfields:\n  a: { kind: uuid }\n', 'datasets[0].count: must be > 0'],
    ['count negative', 'name: p\ncount: -5\nfields:\n  a: { kind: uuid }\n', 'datasets[0].count: must be > 0'],
    ['count fractional', 'name: p\ncount: 2.5\nfields:\n  a: { kind: uuid }\n', 'datasets[0].count: must be int, got number 2.5'],
    ['count as text', 'name: p\ncount: ten\nfields:\n  a: { kind: uuid }\n', 'datasets[0].count: must be number, got string "ten"'],
    ['batchSize 0', field('x: { kind: uuid }', 'batchSize: 0\n'), 'datasets[0].batchSize: must be > 0'],
    ['negative seed', field('x: { kind: uuid }', 'seed: -1\n'), 'seed: must be >= 0'],
    ['version 2', field('x: { kind: uuid }', 'version: 2\n'), 'version: must be one of 1'],
    ['no fields', 'name: people\ncount: 10\n', 'datasets[0]: needs exactly one of fields or shape'],
    ['empty fields', 'name: people\ncount: 10\nfields: {}\n', 'datasets[0].fields: must have at least one field'],
    ['empty object', field('o: { kind: object, fields: {} }'), 'datasets[0].fields.o.fields: must have at least one field'],
    ['bad dataset name', 'name: 1abc\ncount: 10\nfields:\n  a: { kind: uuid }\n', 'datasets[0].name: names are letters, digits, _ and - and start with a letter'],
    ['no datasets', 'datasets: []\n', 'datasets: must list at least one dataset'],
    ['duplicate dataset', two('x: { kind: uuid }', 'x: { kind: uuid }').replace('name: b', 'name: a'), "datasets[1].name: duplicate dataset name 'a' (also datasets[0])"],
    ['ref to a missing dataset', two('x: { kind: uuid }', 'y: { kind: ref, dataset: zzz, field: x }'), "datasets[1].fields.y.dataset: refers to dataset 'zzz', which this spec does not define (datasets: a, b)"],
    ['ref to a later dataset', two('y: { kind: ref, dataset: b, field: x }', 'x: { kind: uuid }'), "datasets[0].fields.y.dataset: must refer to an earlier dataset; 'b' is generated after this one"],
    ['ref to a missing field', two('x: { kind: uuid }', 'y: { kind: ref, dataset: a, field: nope }'), "datasets[1].fields.y.field: dataset 'a' has no field 'nope'"],
    ['impossible unique choice', field('c: { kind: choice, values: [a, b, c], unique: true }'), 'datasets[0].fields.c.unique: impossible: 10 records need 10 distinct values, but this choice field has only 3'],
    ['impossible unique bool', field('x: { kind: bool, unique: true }'), 'datasets[0].fields.x.unique: impossible: 10 records need 10 distinct values, but this bool field has only 2'],
    ['impossible unique integer range', field('x: { kind: uniform, min: 1, max: 5, integer: true, unique: true }'), 'datasets[0].fields.x.unique: impossible: 10 records need 10 distinct values, but this uniform field has only 5'],
    ['impossible unique dates', field('x: { kind: date, from: 2024-01-01, to: 2024-01-05, unique: true }'), 'datasets[0].fields.x.unique: impossible: 10 records need 10 distinct values, but this date field has only 5'],
    ['unique inside an object', field('o: { kind: object, fields: { y: { kind: uuid, unique: true } } }'), 'datasets[0].fields.o.fields.y.unique: unique is supported on top-level fields'],
    ['unknown top-level key', field('x: { kind: uuid }', 'colour: red\n'), "unknown key 'colour'"],
    ['unknown backend', field('x: { kind: uuid }', 'stages: { generate: { backend: fast } }\n'), "stages.generate.backend: names backend 'fast', which backends: does not define"],
    ['unknown format', field('x: { kind: uuid }', 'output: { formats: [xml] }\n'), 'output.formats[0]: must be one of "csv", "jsonl", "parquet"'],
    ['unknown route policy', field('x: { kind: llm, prompt: p }', 'stages: { generate: { route: smartest } }\nbackends: { a: { provider: ollama, model: m }, b: { provider: ollama, model: n } }\n'), 'stages.generate.route: must be one of "fixed", "cheapest", "cascade", "ensemble", "learned"'],
    ['unknown route candidate', field('x: { kind: llm, prompt: p }', 'stages: { generate: { route: cheapest, backends: [a, zzz] } }\nbackends: { a: { provider: ollama, model: m }, b: { provider: ollama, model: n } }\n'), "stages.generate.backends[1]: names backend 'zzz', which backends: does not define (defined: a, b)"],
    ['ensemble larger than its candidates', field('x: { kind: llm, prompt: p }', 'stages: { generate: { route: ensemble, ensemble: { size: 3 } } }\nbackends: { a: { provider: ollama, model: m }, b: { provider: ollama, model: n } }\n'), 'stages.generate.ensemble.size: an ensemble of 3 needs as many backends, the spec defines 2'],
    ['list stage without a kind', field('x: { kind: llm, prompt: p }', 'stages: [{ backend: a }]\nbackends: { a: { provider: ollama, model: m }, b: { provider: ollama, model: n } }\n'), 'stages[0].stage: each stage needs stage: generate | enrich | validate'],
    ['list stage names a field no dataset has', field('x: { kind: llm, prompt: p }', 'stages: [{ stage: generate, fields: [nope] }]\nbackends: { a: { provider: ollama, model: m }, b: { provider: ollama, model: n } }\n'), "stages[0].fields[0]: 'nope' is not an llm field of any dataset"],
    ['two list stages write one field', field('x: { kind: llm, prompt: p }', 'stages: [{ stage: generate, fields: [x] }, { stage: generate, fields: [x], backend: b }]\nbackends: { a: { provider: ollama, model: m }, b: { provider: ollama, model: n } }\n'), "stages[1].fields[0]: 'x' is already written by stages[0]"],
    ['prompt names no field', field('x: { kind: llm, prompt: "about {{nope}}" }'), 'datasets[0].fields.x.prompt: {{nope}} names no field of this dataset'],
    ['prompt names an llm field of its own stage', field('x: { kind: llm, prompt: p }\n  y: { kind: llm, prompt: "about {{x}}" }', 'backends: { a: { provider: ollama, model: m } }\n'), 'datasets[0].fields.y.prompt: {{x}} is another llm field of the same stage; prompts can use code fields only, or llm fields an earlier stage writes (stages: as a list)'],
    ['prompt names an llm field a later stage writes', field('x: { kind: llm, prompt: "about {{y}}" }\n  y: { kind: llm, prompt: p }', 'stages: [{ stage: generate, fields: [x] }, { stage: generate, fields: [y] }]\nbackends: { a: { provider: ollama, model: m } }\n'), 'datasets[0].fields.x.prompt: {{y}} is written by a later stage (stages[1]); a prompt can use code fields and the llm fields of earlier stages'],
    ['not a mapping', '- 1\n- 2\n', 'people.yaml: a spec must be a mapping (datasets:, or name/count/fields)'],
  ];

  it.each(cases)('%s', (_name, text, message) => {
    let err: unknown;
    try {
      parseSpecText(text, 'people.yaml', { env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toBe(message);
    expect((err as SpecError).exitCode).toBe(2);
  });

  it("a prompt may name an llm field an earlier stage of the list writes (it is in the record by then)", () => {
    const text = field('x: { kind: llm, prompt: p }\n  y: { kind: llm, prompt: "about {{x}}" }', 'stages: [{ stage: generate, fields: [x] }, { stage: generate }]\nbackends: { a: { provider: ollama, model: m } }\n');
    expect(() => parseSpecText(text, 'people.yaml', { env: {} })).not.toThrow();
  });

  it('a nullable unique field is not rejected up front (nulls do not need distinct values)', () => {
    expect(() => parseSpecText(field('x: { kind: uniform, min: 1, max: 5, integer: true, unique: true, nullRate: 0.5 }'), 'people.yaml', { env: {} })).not.toThrow();
  });
});
