import { describe, expect, it } from 'vitest';
import { enrichShares, parseSpecText, runSpec } from '@synthfarm/spec';
import { createReportCollector } from './report-collector.js';

const SPEC = `
version: 1
seed: 3
datasets:
  - name: people
    count: 100
    fields:
      id: { kind: sequence }
      bio: { kind: llm, prompt: "a bio of person {{id}}" }
  - name: pets
    count: 50
    fields:
      id: { kind: sequence }
      tone: { kind: llm, prompt: "the tone of pet {{id}}" }
  - name: codes
    count: 10
    fields:
      persona: { kind: choice, values: [a, b] }
stages:
  - { stage: generate, backend: fast }
  - { stage: enrich, backend: big, sample: 0.2, fields: { persona: { kind: llm, prompt: "a persona for {{id}}" } } }
  - { stage: enrich, backend: big, sample: 0.5, fields: { tone: { kind: llm, prompt: "the tone of {{bio}}" } } }
backends:
  fast: { provider: ollama, model: m, hosts: ["http://127.0.0.1:9"] }
  big: { provider: ollama, model: n, hosts: ["http://127.0.0.1:9"] }
`;

describe('the report plan of enrich fields', () => {
  it('targets the nulls of the records each enrich stage leaves out, on model datasets only', () => {
    const spec = runSpec(parseSpecText(SPEC, 'p.yaml', { env: {} }).spec);
    const shares = spec.datasets.map((ds) => enrichShares(spec, ds));
    // pets has a tone of its own (the enrich stage rewrites it on its sample): not an enrich column there.
    expect(shares).toEqual([{ persona: 0.2, tone: 0.5 }, { persona: 0.2 }, {}]);
    // The same from the spec as a farm coordinator gets it: as JSON.
    const wire = JSON.parse(JSON.stringify(spec)) as typeof spec;
    expect(wire.datasets.map((ds) => enrichShares(wire, ds))).toEqual(shares);
    const [people, pets, codes] = createReportCollector(spec.datasets, shares).plans;
    const nulls = (plan: typeof people, path: string) => plan!.columns.find((c) => c.path === path)?.nullRate;
    expect(nulls(people, 'persona')).toBeCloseTo(0.8, 12);
    expect(nulls(people, 'tone')).toBeCloseTo(0.5, 12);
    expect(nulls(people, 'bio')).toBe(0);
    expect(nulls(pets, 'tone')).toBe(0);
    // A code dataset's own field of the same name is not an enrich field.
    expect(nulls(codes, 'persona')).toBe(0);
  });
});
