import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@synthfarm/core';
import { resolveOutDir, timestampDirName } from './out-dir.js';

let root: string;
let outside: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'synthfarm-api-out-'));
  outside = await mkdtemp(join(tmpdir(), 'synthfarm-api-outside-'));
  await mkdir(join(root, 'existing'));
  await symlink(outside, join(root, 'escape'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('resolveOutDir', () => {
  it.each([
    ['nightly', 'nightly'],
    ['a/b/c', 'a/b/c'],
    ['./x/../y', 'y'],
    ['existing/new', 'existing/new'],
  ])('%s stays inside the root', async (out, expected) => {
    expect(await resolveOutDir(root, out)).toBe(join(root, expected));
  });

  it('accepts an absolute path inside the root', async () => {
    expect(await resolveOutDir(root, join(root, 'abs'))).toBe(join(root, 'abs'));
  });

  it.each(['../../etc', '..', '.', '/etc', 'a/../../x', 'escape', 'escape/deeper', 'bad\0name'])('refuses %j', async (out) => {
    const p = resolveOutDir(root, out);
    await expect(p).rejects.toBeInstanceOf(UsageError);
    await expect(p).rejects.toThrow(`out: must stay inside ${root}`);
  });

  it('defaults to <root>/<timestamp>, unique within a millisecond', async () => {
    const now = new Date('2030-01-02T03:04:05.678Z');
    expect(await resolveOutDir(root, undefined, now)).toBe(join(root, '2030-01-02T03-04-05.678Z'));
    expect(await resolveOutDir(root, '', now)).toBe(join(root, '2030-01-02T03-04-05.678Z-2'));
    expect(timestampDirName(new Date('2030-01-02T03:04:06Z'))).toBe('2030-01-02T03-04-06.000Z');
  });
});
