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

  it.each([
    ['a 300-character name', 'x'.repeat(300), /^out: a path component is 300 bytes \('x{20}\.\.\.'\); the limit is 255$/],
    ['a 300-byte name of 2-byte characters', 'é'.repeat(150), /^out: a path component is 300 bytes .*; the limit is 255$/],
    ['a path of 5000 bytes', Array.from({ length: 25 }, () => 'y'.repeat(200)).join('/'), /^out: the output path is \d{4} bytes; the limit is 4095$/],
  ])('refuses %s with the limit, before touching the file system', async (_, out, message) => {
    const p = resolveOutDir(root, out);
    await expect(p).rejects.toBeInstanceOf(UsageError);
    await expect(p).rejects.toThrow(message);
  });

  it('defaults to <root>/<timestamp>, unique within a millisecond', async () => {
    const now = new Date('2030-01-02T03:04:05.678Z');
    expect(await resolveOutDir(root, undefined, now)).toBe(join(root, '2030-01-02T03-04-05.678Z'));
    expect(await resolveOutDir(root, '', now)).toBe(join(root, '2030-01-02T03-04-05.678Z-2'));
    expect(timestampDirName(new Date('2030-01-02T03:04:06Z'))).toBe('2030-01-02T03-04-06.000Z');
  });
});
