import { describe, expect, it } from 'vitest';
import { SpecError } from '@synthfarm/core';
import { interpolateEnv, type MissingEnv } from './interpolate-env.js';
import { parseSpecText } from './load-spec.js';

const SPEC = `
version: 1
seed: \${SEED:-42}
name: \${NAME:-people}
count: \${N:-100}
batchSize: \${BATCH:-25}
fields:
  email: { kind: template, template: "{{id}}@\${DOMAIN:-example.com}" }
  id: { kind: sequence }
  active: { kind: bool, p: "\${P:-0.25}" }
output:
  dir: \${OUT:-out}/\${RUN:-nightly}
  escapeFormulas: \${ESCAPE:-true}
`;

describe('${VAR} interpolation', () => {
  it('defaults apply when the variable is unset, and numbers and booleans become numbers and booleans', () => {
    const { spec } = parseSpecText(SPEC, 'people.yaml', { env: {} });
    const ds = spec.datasets[0]!;
    expect(spec.seed).toBe(42);
    expect(ds.name).toBe('people');
    expect(ds.count).toBe(100);
    expect(ds.batchSize).toBe(25);
    expect(ds.fields!.active).toMatchObject({ kind: 'bool', p: 0.25 });
    expect(ds.fields!.email).toMatchObject({ template: '{{id}}@example.com' });
    expect(spec.output.dir).toBe('out/nightly');
    expect(spec.output.escapeFormulas).toBe(true);
  });

  it('set variables win over defaults; an empty variable counts as unset', () => {
    const env = { SEED: '7', NAME: 'users', N: '2500', BATCH: '', DOMAIN: 'corp.test', OUT: '/data', ESCAPE: 'false' };
    const { spec } = parseSpecText(SPEC, 'people.yaml', { env });
    const ds = spec.datasets[0]!;
    expect(spec.seed).toBe(7);
    expect(ds.name).toBe('users');
    expect(ds.count).toBe(2500);
    expect(ds.batchSize).toBe(25);
    expect(ds.fields!.email).toMatchObject({ template: '{{id}}@corp.test' });
    expect(spec.output.dir).toBe('/data/nightly');
    expect(spec.output.escapeFormulas).toBe(false);
  });

  it('a number inside a longer string stays text', () => {
    expect(interpolateEnv({ a: 'v${N}', b: '${N}', c: '${N}${N}', d: ['${N:-1}.5'] }, { N: '5' })).toEqual({ a: 'v5', b: 5, c: '55', d: ['5.5'] });
  });

  it('a value is never parsed as YAML: an env var cannot inject keys', () => {
    expect(() => parseSpecText(SPEC, 'people.yaml', { env: { N: '5\nseed: 1' } })).toThrow('datasets[0].count: must be number, got string "5\\nseed: 1"');
  });

  it('an unset variable with no default is a spec error naming the path and the variable', () => {
    const text = 'datasets:\n  - name: a\n    count: ${ROWS}\n    fields:\n      id: { kind: sequence }\n';
    expect(() => parseSpecText(text, 'a.yaml', { env: {} })).toThrow(SpecError);
    expect(() => parseSpecText(text, 'a.yaml', { env: {} })).toThrow('datasets[0].count: environment variable ROWS is not set (write ${ROWS:-default} to give a default)');
  });

  it('under backends an unset variable is recorded, not an error: it matters only if that backend is used', () => {
    const text = [
      'name: a', 'count: 1', 'fields:', '  id: { kind: sequence }',
      'backends:', '  quality: { provider: openai, model: gpt-4o-mini, baseUrl: "https://api.openai.com/v1", apiKey: "${OPENAI_API_KEY}" }',
    ].join('\n');
    const loaded = parseSpecText(text, 'a.yaml', { env: {} });
    expect(loaded.missingEnv).toEqual<MissingEnv[]>([{ path: 'backends.quality.apiKey', name: 'OPENAI_API_KEY' }]);
    expect(parseSpecText(text, 'a.yaml', { env: { OPENAI_API_KEY: 'sk-test' } }).missingEnv).toEqual([]);
  });

  it('the spec hash is of the text as written: no secret is hashed in, and it does not change with the env', () => {
    const text = 'name: a\ncount: ${N:-1}\nfields:\n  id: { kind: sequence }\n';
    const a = parseSpecText(text, 'a.yaml', { env: { N: '1' } });
    const b = parseSpecText(text, 'a.yaml', { env: { N: '9' } });
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(b.sha256).toBe(a.sha256);
  });
});
