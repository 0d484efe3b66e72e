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
    expect(enrichShares(spec)).toEqual({ persona: 0.2, tone: 0.5 });
    const [people, codes] = createReportCollector(spec.datasets, enrichShares(spec)).plans;
    const nulls = (plan: typeof people, path: string) => plan!.columns.find((c) => c.path === path)?.nullRate;
    expect(nulls(people, 'persona')).toBeCloseTo(0.8, 12);
    expect(nulls(people, 'tone')).toBeCloseTo(0.5, 12);
    expect(nulls(people, 'bio')).toBe(0);
    // A code dataset's own field of the same name is not an enrich field.
    expect(nulls(codes, 'persona')).toBe(0);
  });
});
