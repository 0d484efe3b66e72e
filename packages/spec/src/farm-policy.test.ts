import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError, UsageError } from '@synthfarm/core';
import { checkAllowedUrl, checkDataPath, checkDatabase, createFarmPolicy, farmPolicyFromOptions, parseOrigin, parseSecretBinding } from './farm-policy.js';

describe('parseSecretBinding', () => {
  it.each([
    ['OPENAI_API_KEY@https://api.openai.com', { name: 'OPENAI_API_KEY', origin: 'https://api.openai.com' }],
    ['K@https://api.openai.com/', { name: 'K', origin: 'https://api.openai.com' }],
    ['K@HTTPS://API.OpenAI.com:443', { name: 'K', origin: 'https://api.openai.com' }],
    ['K@http://127.0.0.1:8000', { name: 'K', origin: 'http://127.0.0.1:8000' }],
  ])('%s → %o', (value, expected) => {
    expect(parseSecretBinding(value)).toEqual(expected);
  });

  it.each([
    ['OPENAI_API_KEY', '--secret OPENAI_API_KEY: expected NAME@ORIGIN, e.g. OPENAI_API_KEY@https://api.openai.com (an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com)'],
    ['@https://x.org', '--secret @https://x.org: expected NAME@ORIGIN, e.g. OPENAI_API_KEY@https://api.openai.com (an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com)'],
    ['1KEY@https://x.org', '--secret 1KEY@https://x.org: NAME is an environment variable name (letters, digits and _, not starting with a digit)'],
    ['K@https://api.openai.com/v1', '--secret K@https://api.openai.com/v1: an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com'],
    ['K@ftp://x.org', '--secret K@ftp://x.org: an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com'],
    ['K@https://user:pw@x.org', '--secret K@https://user:pw@x.org: an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com'],
  ])('%s is refused', (value, message) => {
    expect(() => parseSecretBinding(value)).toThrow(new UsageError(message));
  });
});

describe('farmPolicyFromOptions', () => {
  it('merges flags and env; a bound origin is allowed too', () => {
    const p = farmPolicyFromOptions(
      { secret: ['A@https://a.example'], allowOrigin: ['http://127.0.0.1:8000'] },
      { SYNTHFARM_SECRETS: 'B@https://b.example:8443, C@https://a.example', SYNTHFARM_ALLOWED_ORIGINS: 'https://c.example' },
    );
    expect([...p.secrets]).toEqual([['A', 'https://a.example'], ['B', 'https://b.example:8443'], ['C', 'https://a.example']]);
    expect([...p.origins].sort()).toEqual(['http://127.0.0.1:8000', 'https://a.example', 'https://b.example:8443', 'https://c.example']);
  });

  it('names the option and the rule', () => {
    expect(() => farmPolicyFromOptions({}, { SYNTHFARM_SECRETS: 'nope' })).toThrow(/^SYNTHFARM_SECRETS nope: expected NAME@ORIGIN/);
    expect(() => farmPolicyFromOptions({ allowOrigin: ['https://x.org/v1'] }, {})).toThrow(new UsageError('--allow-origin https://x.org/v1: an origin is scheme://host[:port] (http or https), no path, e.g. https://api.openai.com'));
    expect(() => farmPolicyFromOptions({ secret: ['A@https://a.example', 'A@https://b.example'] }, {})).toThrow(new UsageError('--secret A: bound to two origins (https://a.example and https://b.example); a secret is sent to one origin only'));
    expect(() => farmPolicyFromOptions({}, { SYNTHFARM_DATA_ROOTS: 'data' })).toThrow(new UsageError('SYNTHFARM_DATA_ROOTS data: must be an absolute path'));
    // A database URL may hold a password: messages name the entry, never its URL.
    expect(() => farmPolicyFromOptions({}, { SYNTHFARM_DATABASES: 'postgres://u:secret@h/db' })).toThrow(new UsageError('SYNTHFARM_DATABASES: expected NAME=postgres://..., comma-separated; an entry has no NAME='));
    expect(() => farmPolicyFromOptions({}, { SYNTHFARM_DATABASES: '9x=postgres://u:secret@h/db' })).toThrow(new UsageError('SYNTHFARM_DATABASES 9x: database names are letters, digits, _ and - and start with a letter'));
  });

  it('reads the databases a submitted spec may name from SYNTHFARM_DATABASES', () => {
    const p = farmPolicyFromOptions({}, { SYNTHFARM_DATABASES: 'target=postgres://u@h:5432/new, legacy=postgres://u:p@h/old' });
    expect(p.databases).toEqual({ target: 'postgres://u@h:5432/new', legacy: 'postgres://u:p@h/old' });
    expect(checkDatabase(p, 'target', 'output.postgres.database')).toBe('postgres://u@h:5432/new');
  });

  it('defaults to nothing: no secret, no origin', () => {
    const p = farmPolicyFromOptions({}, {});
    expect(p.secrets.size).toBe(0);
    expect(p.origins.size).toBe(0);
  });
});

describe('checkAllowedUrl', () => {
  const policy = createFarmPolicy({ secrets: [{ name: 'K', origin: 'https://api.openai.com' }], origins: ['http://127.0.0.1:8000'] });
  it.each([
    ['https://api.openai.com/v1', 'https://api.openai.com'],
    ['https://api.openai.com:443/v1/', 'https://api.openai.com'],
    ['http://127.0.0.1:8000/v1', 'http://127.0.0.1:8000'],
  ])('%s is allowed', (url, origin) => {
    expect(checkAllowedUrl(policy, url, 'backends.x.baseUrl')).toBe(origin);
  });
  it.each([
    ['http://127.0.0.1:8001/v1', 'http://127.0.0.1:8001'],
    ['http://api.openai.com/v1', 'http://api.openai.com'],
    ['https://api.openai.com.evil.example/v1', 'https://api.openai.com.evil.example'],
    ['http://localhost:8000/v1', 'http://localhost:8000'],
  ])('%s is refused: the origin (scheme, host, port) must match exactly', (url, origin) => {
    expect(() => checkAllowedUrl(policy, url, 'backends.x.baseUrl')).toThrow(new SpecError('backends.x.baseUrl', `origin ${origin} is not allowed on this farm: the operator allows it with --allow-origin ${origin} (or SYNTHFARM_ALLOWED_ORIGINS)`));
  });
});

describe('checkDataPath', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synthfarm-policy-'));
    root = join(dir, 'data');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'sub', 'legacy.csv'), 'id\n1\n');
    await writeFile(join(dir, 'credentials'), 'secret');
    await symlink(join(dir, 'credentials'), join(root, 'link.csv'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a file under a data root resolves to its real path (relative paths from the first root)', async () => {
    const policy = createFarmPolicy({ dataRoots: [root] });
    await expect(checkDataPath(policy, 'sub/legacy.csv', 'source.path')).resolves.toBe(join(root, 'sub', 'legacy.csv'));
    await expect(checkDataPath(policy, join(root, 'sub', 'legacy.csv'), 'source.path')).resolves.toBe(join(root, 'sub', 'legacy.csv'));
  });

  it.each([
    ['../credentials'],
    ['sub/../../credentials'],
    ['link.csv'],
  ])('%s escapes the data root and is refused', async (file) => {
    const policy = createFarmPolicy({ dataRoots: [root] });
    await expect(checkDataPath(policy, file, 'source.path')).rejects.toThrow(new SpecError('source.path', `${file}: outside the farm's data roots (${root})`));
  });

  it('an absolute path elsewhere (~/.aws/credentials) is refused; no roots reads nothing', async () => {
    await expect(checkDataPath(createFarmPolicy({ dataRoots: [root] }), join(dir, 'credentials'), 'source.path')).rejects.toThrow(/outside the farm's data roots/);
    await expect(checkDataPath(createFarmPolicy(), join(root, 'sub', 'legacy.csv'), 'source.path')).rejects.toThrow(/this farm reads no files for submitted specs/);
  });
});

describe('checkDatabase', () => {
  it('a named database gives its URL; any other name is refused', () => {
    const policy = createFarmPolicy({ databases: { warehouse: 'postgres://db/warehouse' } });
    expect(checkDatabase(policy, 'warehouse', 'output.postgres.database')).toBe('postgres://db/warehouse');
    expect(() => checkDatabase(policy, 'toString', 'output.postgres.database')).toThrow(/database 'toString' is not one this farm allows \(allowed: warehouse\)/);
    expect(() => checkDatabase(createFarmPolicy(), 'x', 'p')).toThrow(/\(none are\)/);
  });
});

describe('parseOrigin', () => {
  it('is the canonical URL.origin, or undefined', () => {
    expect(parseOrigin('https://API.example.com:443')).toBe('https://api.example.com');
    expect(parseOrigin('not a url')).toBeUndefined();
  });
});
