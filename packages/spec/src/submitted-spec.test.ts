import { describe, expect, it } from 'vitest';
import { SpecError } from '@synthfarm/core';
import { createFarmPolicy } from './farm-policy.js';
import { parseSpecText } from './load-spec.js';
import { redactSecrets, resolveBoundSecret } from './secrets.js';
import { BackendSchema } from './spec-schema.js';

const policy = createFarmPolicy({ secrets: [{ name: 'OPENAI_API_KEY', origin: 'https://api.openai.com' }], origins: ['http://127.0.0.1:8000'] });
const ENV = { OPENAI_API_KEY: 'sk-live-123', AWS_SECRET_ACCESS_KEY: 'aws-secret-456', ROWS: '7' };

/** A one-dataset spec whose backend `quality` has the given YAML flow-mapping body. */
function spec(backend: string, extraField = ''): string {
  return `name: people
count: \${ROWS:-5}
fields:
  id: { kind: sequence }
  bio: { kind: llm, prompt: "about {{id}}" }${extraField}
backends:
  quality: { provider: openai, model: gpt-4o-mini, ${backend} }
`;
}

const submit = (text: string) => parseSpecText(text, 'http.yaml', { env: ENV, farmPolicy: policy });

/** The SpecError `fn` throws (fails the test if it throws nothing or something else). */
function refusal(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error('expected a SpecError, nothing was thrown');
}

describe('a spec submitted to a farm', () => {
  it.each([
    [
      'the attack: an unbound variable as apiKey, sent to a capture server',
      'baseUrl: "http://127.0.0.1:9999/v1", apiKey: "${AWS_SECRET_ACCESS_KEY}"',
      'backends.quality.apiKey: secret AWS_SECRET_ACCESS_KEY is not bound on this farm: a submitted spec may only name a secret the operator bound to its origin (--secret AWS_SECRET_ACCESS_KEY@ORIGIN, or SYNTHFARM_SECRETS)',
    ],
    [
      'a bound secret sent to another origin',
      'baseUrl: "http://127.0.0.1:9999/v1", apiKey: "${OPENAI_API_KEY}"',
      'backends.quality.apiKey: secret OPENAI_API_KEY may only be sent to https://api.openai.com, not http://127.0.0.1:9999',
    ],
    [
      'a bound secret sent over plain http to its host',
      'baseUrl: "http://api.openai.com/v1", apiKey: "${OPENAI_API_KEY}"',
      'backends.quality.apiKey: secret OPENAI_API_KEY may only be sent to https://api.openai.com, not http://api.openai.com',
    ],
    [
      'a bound secret on another port of its host',
      'baseUrl: "https://api.openai.com:8443/v1", apiKey: "${OPENAI_API_KEY}"',
      'backends.quality.apiKey: secret OPENAI_API_KEY may only be sent to https://api.openai.com, not https://api.openai.com:8443',
    ],
    [
      'a bound secret for a backend with hosts instead of baseUrl',
      'hosts: ["http://127.0.0.1:9999"], apiKey: "${OPENAI_API_KEY}"',
      "backends.quality.apiKey: secret OPENAI_API_KEY may only be sent to https://api.openai.com, not a backend without baseUrl (in farm mode its hosts are the workers')",
    ],
    [
      'a literal key',
      'baseUrl: "https://api.openai.com/v1", apiKey: "sk-literal-789"',
      'backends.quality.apiKey: a literal API key is refused in a submitted spec (it would be stored in Redis in plain text): write apiKey: "${NAME}" naming a secret the operator bound with --secret NAME@ORIGIN, or omit apiKey for a local server',
    ],
    [
      'a secret reference with a default (the default would be a literal key)',
      'baseUrl: "https://api.openai.com/v1", apiKey: "${OPENAI_API_KEY:-sk-x}"',
      'backends.quality.apiKey: must be exactly one secret reference such as "${OPENAI_API_KEY}" (no default, nothing around it)',
    ],
    [
      'a remote baseUrl not on the allowlist',
      'baseUrl: "http://169.254.169.254/latest"',
      'backends.quality.baseUrl: origin http://169.254.169.254 is not allowed on this farm: the operator allows it with --allow-origin http://169.254.169.254 (or SYNTHFARM_ALLOWED_ORIGINS)',
    ],
  ])('%s is refused', (_what, backend, message) => {
    const err = refusal(() => submit(spec(backend)));
    expect(err.message).toBe(message);
    expect(err.path).toBe(message.split(':')[0]);
    expect(err.exitCode).toBe(2);
  });

  it('a bound secret elsewhere (it would reach a prompt or a file) is refused', () => {
    const text = spec('baseUrl: "https://api.openai.com/v1", apiKey: "${OPENAI_API_KEY}"', '\n  leak: { kind: template, template: "k=${OPENAI_API_KEY}" }');
    expect(refusal(() => submit(text)).message).toBe('fields.leak.template: ${OPENAI_API_KEY} is a secret: a submitted spec may name it only as a backend apiKey');
  });

  it('a bound secret to its own origin is accepted, kept as a reference, never resolved here', () => {
    const loaded = submit(spec('baseUrl: "https://api.openai.com/v1", apiKey: "${OPENAI_API_KEY}"'));
    expect(loaded.secretRefs).toEqual({ quality: '${OPENAI_API_KEY}' });
    expect(JSON.stringify(loaded.spec)).not.toContain(ENV.OPENAI_API_KEY);
    expect(redactSecrets(loaded.spec, loaded.secretRefs).backends.quality!.apiKey).toBe('${OPENAI_API_KEY}');
  });

  it('an allowlisted local server needs no apiKey', () => {
    const loaded = submit(spec('baseUrl: "http://127.0.0.1:8000/v1"'));
    expect(loaded.spec.backends.quality!.apiKey).toBeUndefined();
  });

  it('with no policy set, nothing can be named and no remote origin used', () => {
    const none = createFarmPolicy();
    expect(() => parseSpecText(spec('baseUrl: "https://api.openai.com/v1", apiKey: "${OPENAI_API_KEY}"'), 'x.yaml', { env: ENV, farmPolicy: none })).toThrow(/secret OPENAI_API_KEY is not bound on this farm/);
    expect(() => parseSpecText(spec('baseUrl: "http://127.0.0.1:8000/v1"'), 'x.yaml', { env: ENV, farmPolicy: none })).toThrow(/origin http:\/\/127\.0\.0\.1:8000 is not allowed on this farm/);
  });
});

describe('embedded mode (the user runs their own spec)', () => {
  it('${OPENAI_API_KEY} still resolves from the environment, any baseUrl', () => {
    const loaded = parseSpecText(spec('baseUrl: "http://127.0.0.1:9999/v1", apiKey: "${OPENAI_API_KEY}"'), 'mine.yaml', { env: ENV });
    expect(loaded.spec.backends.quality!.apiKey).toBe(ENV.OPENAI_API_KEY);
    expect(loaded.spec.datasets[0]!.count).toBe(7);
  });
});

describe('redactSecrets', () => {
  it('stores a reference, never a literal key', () => {
    const loaded = parseSpecText(spec('baseUrl: "https://api.openai.com/v1", apiKey: "sk-literal-789"'), 'mine.yaml', { env: ENV });
    expect(JSON.stringify(redactSecrets(loaded.spec, loaded.secretRefs))).not.toContain('sk-literal-789');
  });
});

describe('resolveBoundSecret (the worker, at send time)', () => {
  const b = (baseUrl: string, apiKey: string) => BackendSchema.parse({ provider: 'openai', model: 'm', baseUrl, apiKey });
  it('resolves a bound secret for its own origin', () => {
    expect(resolveBoundSecret('q', b('https://api.openai.com/v1', '${OPENAI_API_KEY}'), policy, ENV, 'worker gpu1').apiKey).toBe(ENV.OPENAI_API_KEY);
  });
  it.each([
    ['${AWS_SECRET_ACCESS_KEY}', 'http://127.0.0.1:9999/v1', 'backends.q.apiKey: secret AWS_SECRET_ACCESS_KEY is not bound on worker gpu1: a submitted spec may only name a secret the operator bound to its origin (--secret AWS_SECRET_ACCESS_KEY@ORIGIN, or SYNTHFARM_SECRETS)'],
    ['${OPENAI_API_KEY}', 'http://127.0.0.1:9999/v1', 'backends.q.apiKey: secret OPENAI_API_KEY may only be sent to https://api.openai.com, not http://127.0.0.1:9999'],
    ['sk-literal', 'https://api.openai.com/v1', 'backends.q.apiKey: [worker gpu1] not a secret reference: a stored spec\'s apiKey must be "${NAME}" of a secret bound with --secret NAME@ORIGIN'],
  ])('refuses %s to %s', (apiKey, baseUrl, message) => {
    expect(refusal(() => resolveBoundSecret('q', b(baseUrl, apiKey), policy, ENV, 'worker gpu1')).message).toBe(message);
  });
  it('a bound secret that is unset here is an error, not an empty key', () => {
    expect(() => resolveBoundSecret('q', b('https://api.openai.com/v1', '${OPENAI_API_KEY}'), policy, {}, 'worker gpu1')).toThrow('backends.q.apiKey: [worker gpu1] secret OPENAI_API_KEY is bound but not set in this process\'s environment');
  });
});
