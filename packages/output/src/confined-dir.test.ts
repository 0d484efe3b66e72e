import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputError } from '@synthfarm/core';
import { openConfinedDir } from './confined-dir.js';
import { ResumableFile } from './resumable-file.js';
import { writeJsonAtomic } from './write-json-atomic.js';

let base: string;
let root: string;
let outside: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'synthfarm-confined-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, 'victim'), 'precious\n');
  await symlink(outside, join(root, 'link'));
  await writeFile(join(root, 'file'), 'x');
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('openConfinedDir', () => {
  it('creates a nested directory and writes through its handle', async () => {
    const d = await openConfinedDir(root, join(root, 'a/b/c'));
    try {
      await writeJsonAtomic(join(d.handle, 'manifest.json'), { ok: true });
    } finally {
      await d.close();
    }
    expect(JSON.parse(await readFile(join(root, 'a/b/c/manifest.json'), 'utf8'))).toEqual({ ok: true });
  });

  it.each([
    ['link/x', 'link', 'a symbolic link'],
    ['link', 'link', 'a symbolic link'],
    ['file/x', 'file', 'not a directory'],
  ])('%s: refuses, naming %s as %s', async (rel, at, what) => {
    const p = openConfinedDir(root, join(root, rel));
    await expect(p).rejects.toBeInstanceOf(OutputError);
    await expect(p).rejects.toThrow(`output directory ${join(root, rel)}: ${join(root, at)} is ${what}; refusing to write outside ${root}`);
  });

  it('refuses a directory that is not below the root', async () => {
    await expect(openConfinedDir(root, outside)).rejects.toThrow(`output directory ${outside}: not inside the output root; refusing to write outside ${root}`);
  });
});

describe('openConfinedDir with create: false (reading a run\'s files)', () => {
  it('opens an existing directory and reads through its handle', async () => {
    await mkdir(join(root, 'done/run'), { recursive: true });
    await writeFile(join(root, 'done/run/people.csv'), 'id\n1\n');
    const d = await openConfinedDir(root, join(root, 'done/run'), { create: false });
    try {
      expect(await readFile(join(d.handle, 'people.csv'), 'utf8')).toBe('id\n1\n');
    } finally {
      await d.close();
    }
  });

  it('creates nothing: a missing directory is an error with code ENOENT, and stays missing', async () => {
    const err = await openConfinedDir(root, join(root, 'missing/run'), { create: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toBe(`output directory ${join(root, 'missing/run')} cannot be read (ENOENT at ${join(root, 'missing')})`);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    await expect(readFile(join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a link on the way, naming it', async () => {
    await expect(openConfinedDir(root, join(root, 'link'), { create: false })).rejects.toThrow(`output directory ${join(root, 'link')}: ${join(root, 'link')} is a symbolic link; refusing to read outside ${root}`);
  });
});

describe('file creation never follows a planted link', () => {
  it('ResumableFile: a symlink or a hard link under the part name is refused, its target untouched', async () => {
    const dir = join(root, 'planted');
    await mkdir(dir);
    await symlink(join(outside, 'victim'), join(dir, '.a.csv.run1.part'));
    await expect(ResumableFile.open(join(dir, 'a.csv'), 'run1')).rejects.toThrow(/^cannot create .*\.a\.csv\.run1\.part: ELOOP$/);
    await link(join(outside, 'victim'), join(dir, '.b.csv.run1.part'));
    await expect(ResumableFile.open(join(dir, 'b.csv'), 'run1')).rejects.toThrow(/^cannot create .*\.b\.csv\.run1\.part: EMLINK$/);
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('precious\n');
  });
});
