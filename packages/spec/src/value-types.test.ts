import { describe, expect, it } from 'vitest';
import { parseSpecText } from './load-spec.js';
import { datasetValueColumns } from './value-types.js';

/** The column types a typed format (Parquet) gets from the spec's field kinds. */
describe('datasetValueColumns', () => {
  it('types each field from its kind; nullable where a nullRate or the kind cannot promise a value; hidden fields left out', () => {
    const { spec } = parseSpecText(`
datasets:
  - name: customers
    count: 10
    fields:
      id:       { kind: sequence }
      first:    { kind: faker, method: person.firstName, hidden: true }
      email:    { kind: template, template: "{{first}}@example.com" }
      age:      { kind: normal, mean: 35, sd: 12, integer: true }
      score:    { kind: uniform, min: 0, max: 1, nullRate: 0.1 }
      visits:   { kind: poisson, lambda: 3 }
      day:      { kind: date, from: 2020-01-01, to: 2020-12-31 }
      at:       { kind: datetime, from: 2020-01-01, to: 2020-12-31 }
      vip:      { kind: bool }
      tier:     { kind: choice, values: [free, paid] }
      size:     { kind: choice, values: [1, 2, 3] }
      city:     { kind: faker, method: location.city }
      bio:      { kind: llm, prompt: "a bio", type: string }
      address:  { kind: object, fields: { zip: { kind: uniform, min: 1, max: 9, integer: true } } }
      tags:     { kind: array, min: 0, max: 2, of: { kind: choice, values: [a, b] } }
  - name: orders
    count: 10
    fields:
      customer: { kind: ref, dataset: customers, field: id }
      zip:      { kind: ref, dataset: customers, field: address.zip }
`, 'spec.yaml');
    expect(datasetValueColumns(spec, 0).map((c) => [c.name, c.type.kind, c.nullable])).toEqual([
      ['id', 'int', false], ['email', 'string', false], ['age', 'int', false], ['score', 'double', true], ['visits', 'int', false],
      ['day', 'date', false], ['at', 'timestamp', false], ['vip', 'bool', false], ['tier', 'string', false], ['size', 'int', false],
      ['city', 'string', true], ['bio', 'string', false], ['address', 'struct', false], ['tags', 'list', false],
    ]);
    const cols = datasetValueColumns(spec, 0);
    expect(cols.find((c) => c.name === 'address')!.type).toEqual({ kind: 'struct', fields: [{ name: 'zip', type: { kind: 'int' }, nullable: false }] });
    expect(cols.find((c) => c.name === 'tags')!.type).toEqual({ kind: 'list', of: { kind: 'string' }, nullable: false });
    expect(datasetValueColumns(spec, 1).map((c) => [c.name, c.type.kind])).toEqual([['customer', 'int'], ['zip', 'int']]);
  });

  it('a shape: numbers double, "ISO-8601" a timestamp, objects structs, arrays lists, all nullable', () => {
    const { spec } = parseSpecText(`
datasets:
  - name: cars
    count: 5
    shape: { model: "string", year: 0, electric: true, sold: "ISO-8601", maker: { city: "a US city" }, parts: [{ sku: "string" }] }
`, 'spec.yaml');
    expect(datasetValueColumns(spec, 0)).toEqual([
      { name: 'model', type: { kind: 'string' }, nullable: true },
      { name: 'year', type: { kind: 'double' }, nullable: true },
      { name: 'electric', type: { kind: 'bool' }, nullable: true },
      { name: 'sold', type: { kind: 'timestamp' }, nullable: true },
      { name: 'maker', type: { kind: 'struct', fields: [{ name: 'city', type: { kind: 'string' }, nullable: true }] }, nullable: true },
      { name: 'parts', type: { kind: 'list', of: { kind: 'struct', fields: [{ name: 'sku', type: { kind: 'string' }, nullable: true }] }, nullable: true }, nullable: true },
    ]);
  });
});
