import { describe, expect, it } from 'vitest';
import { SpecError } from '@synthfarm/core';
import { parseSpecText } from './load-spec.js';

const base = (extra: string, fields = "id: { kind: from, column: id }\n      seg: { kind: llm, prompt: 'Classify {{source.notes}}', values: [a, b] }") => `
sources:
  legacy: { dir: legacy }
datasets:
  - name: customers
    source: { from: legacy, csv: customers.csv, key: id }
    fields:
      ${fields}
${extra}`;

const problem = (text: string) => {
  try {
    parseSpecText(text, 't.yaml', { env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).message;
  }
  return undefined;
};

describe('transform specs', () => {
  it('accepts a source dataset without count, {{source.col}} in prompts, local backends', () => {
    const { spec } = parseSpecText(base('backends: { local: { provider: ollama, model: m, hosts: ["http://127.0.0.1:11434"] } }'), 't.yaml', { env: {} });
    expect(spec.datasets[0]!.source).toMatchObject({ from: 'legacy', csv: 'customers.csv', key: 'id', onDuplicate: 'reject' });
    expect(spec.privacy).toEqual({ remote: false, keepValues: false });
  });

  it('sends legacy text to a remote backend only with privacy.remote', () => {
    const remote = 'backends: { cloud: { provider: openai, model: m, baseUrl: "https://api.example.com/v1" } }';
    expect(problem(base(remote))).toBe("backends.cloud.baseUrl: api.example.com is not a local backend: legacy text goes only to local backends unless the spec sets privacy: { remote: true }");
    expect(problem(base(`${remote}\nprivacy: { remote: true }`))).toBeUndefined();
  });

  it('names an unknown source, and from fields outside source datasets', () => {
    expect(problem(base('').replace('from: legacy,', 'from: nope,'))).toBe("datasets[0].source.from: names source 'nope', which sources: does not define (defined: legacy)");
    expect(problem('datasets:\n  - name: a\n    count: 2\n    fields:\n      x: { kind: from, column: y }\n')).toBe('datasets[0].fields.x: kind from reads a legacy row: the dataset needs a source');
    expect(problem('datasets:\n  - name: a\n    fields:\n      x: { kind: uuid }\n')).toBe('datasets[0].count: is required (unless the dataset has a source or a ref with perParent)');
  });
});
