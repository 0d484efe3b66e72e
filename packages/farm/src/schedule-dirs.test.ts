import { mkdir, mkdtemp, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimFiringDir, dayAndTime, pointLatest, pruneFirings } from './schedule-dirs.js';

let base: string;
let root: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'sf-schedule-dirs-'));
  root = join(base, 'root');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('dayAndTime', () => {
  it.each([
    ['UTC', '2026-03-01T23:30:05Z', '2026-03-01', '233005'],
    ['Europe/Berlin', '2026-03-01T23:30:05Z', '2026-03-02', '003005'],
    ['America/New_York', '2026-03-01T02:00:00Z', '2026-02-28', '210000'],
  ])('%s %s → %s %s', (tz, iso, day, time) => {
    expect(dayAndTime(tz, new Date(iso))).toEqual({ day, time });
  });
});

describe('claimFiringDir', () => {
  it('the first firing of a day takes the date; later ones their own time, then a counter within one second', async () => {
    const at = (iso: string) => claimFiringDir(root, 'nightly', 'UTC', new Date(iso));
    expect(await at('2026-03-01T02:00:00Z')).toBe(join(root, 'nightly', '2026-03-01'));
    expect(await at('2026-03-01T14:15:16Z')).toBe(join(root, 'nightly', '2026-03-01-141516'));
    expect(await at('2026-03-01T14:15:16Z')).toBe(join(root, 'nightly', '2026-03-01-141516-2'));
    expect(await at('2026-03-02T02:00:00Z')).toBe(join(root, 'nightly', '2026-03-02'));
  });

  it('refuses a schedule directory that is a link out of the root', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await mkdir(root);
    await symlink(outside, join(root, 'nightly'));
    await expect(claimFiringDir(root, 'nightly', 'UTC', new Date())).rejects.toThrow(/symbolic link/);
    expect(await readdir(outside)).toEqual([]);
  });
});

describe('pointLatest', () => {
  it('replaces the link (relative, no temp name left) and refuses to replace a real directory', async () => {
    await claimFiringDir(root, 'n', 'UTC', new Date('2026-03-01T02:00:00Z'));
    await claimFiringDir(root, 'n', 'UTC', new Date('2026-03-02T02:00:00Z'));
    await pointLatest(root, 'n', '2026-03-01');
    await pointLatest(root, 'n', '2026-03-02');
    expect(await readlink(join(root, 'n', 'latest'))).toBe('2026-03-02');
    expect((await readdir(join(root, 'n'))).sort()).toEqual(['2026-03-01', '2026-03-02', 'latest']);
    await expect(pointLatest(root, 'n', '../elsewhere')).rejects.toThrow(/not a firing directory/);
    await rm(join(root, 'n', 'latest'));
    await mkdir(join(root, 'n', 'latest'));
    await expect(pointLatest(root, 'n', '2026-03-02')).rejects.toThrow(/is not a link/);
  });
});

describe('pruneFirings', () => {
  it('deletes what it made past keep, never latest, never a link, never a name that is not a firing', async () => {
    const made: string[] = [];
    for (const d of ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']) made.unshift((await claimFiringDir(root, 'n', 'UTC', new Date(`${d}T02:00:00Z`))).split('/').at(-1)!);
    await writeFile(join(root, 'n', '2026-03-01', 'a.csv'), 'x');
    await pointLatest(root, 'n', '2026-03-02'); // the newest completed one may be older than the newest firing
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'precious'), 'x');
    await symlink(outside, join(root, 'n', '2026-02-01'));
    const gone = await pruneFirings(root, 'n', [...made, '2026-02-01', '..', '2026-01-01'], 1);
    expect(gone.sort()).toEqual(['2026-01-01', '2026-03-01', '2026-03-03']);
    expect((await readdir(join(root, 'n'))).sort()).toEqual(['2026-02-01', '2026-03-02', '2026-03-04', 'latest']);
    expect(existsSync(join(outside, 'precious'))).toBe(true);
  });
});
