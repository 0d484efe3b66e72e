import { constants } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openConfinedDir, type ConfinedDir } from '@synthfarm/output';
import { inside } from './out-dir.js';

/** One published file of a run, as the run page lists it. */
export interface RunFile {
  name: string;
  /** Size in bytes. */
  size: number;
  /** Last modified, ISO 8601. */
  modified: string;
}

/**
 * Where a run's files stand on this server: `outside` when the run's directory is not under the
 * server's `--out-root` (a run submitted with `run --redis` elsewhere: its files are not served),
 * `missing` when it does not exist here (not started, or written on another machine).
 */
export type RunDir = { kind: 'outside' } | { kind: 'missing' } | { kind: 'ok'; files: RunFile[] };

/** A name the server serves: one path component, not hidden (staging and part files start with a dot). */
export function isServedName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !name.startsWith('.') && !/[/\\\0]/.test(name);
}

async function openRunDir(outRoot: string, outDir: string): Promise<ConfinedDir | 'outside' | 'missing'> {
  const root = resolve(outRoot);
  const dir = resolve(outDir);
  if (dir === root || !inside(root, dir)) return 'outside';
  try {
    return await openConfinedDir(root, dir, { create: false });
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return 'missing';
    throw err;
  }
}

/** The regular files at the top of a run's output directory, by name; links and hidden files are left out. */
export async function listRunFiles(outRoot: string, outDir: string): Promise<RunDir> {
  const dir = await openRunDir(outRoot, outDir);
  if (typeof dir === 'string') return { kind: dir };
  try {
    const files: RunFile[] = [];
    for (const e of await readdir(dir.handle, { withFileTypes: true })) {
      if (!e.isFile() || !isServedName(e.name)) continue;
      const f = await openIn(dir, e.name);
      if (!f) continue;
      files.push({ name: e.name, size: f.size, modified: f.modified });
      await f.fh.close();
    }
    return { kind: 'ok', files: files.sort((a, b) => a.name.localeCompare(b.name)) };
  } finally {
    await dir.close();
  }
}

/** An open file of a run: read it from `fh`, which the caller closes (a read stream closes it at its end). */
export interface OpenRunFile {
  fh: FileHandle;
  size: number;
  modified: string;
}

async function openIn(dir: ConfinedDir, name: string): Promise<OpenRunFile | undefined> {
  let fh: FileHandle;
  try {
    // O_NOFOLLOW: a link planted under a file's name is not followed out of the directory.
    fh = await open(join(dir.handle, name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'EISDIR') return undefined;
    throw err;
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    return undefined;
  }
  return { fh, size: st.size, modified: st.mtime.toISOString() };
}

/**
 * Opens one file of a run's output directory for reading, walking to it without following links
 * and only when the directory is under `outRoot`. Undefined when there is no such regular file.
 */
export async function openRunFile(outRoot: string, outDir: string, name: string): Promise<OpenRunFile | undefined> {
  if (!isServedName(name)) return undefined;
  const dir = await openRunDir(outRoot, outDir);
  if (typeof dir === 'string') return undefined;
  try {
    return await openIn(dir, name);
  } finally {
    await dir.close();
  }
}

/** A run's small text file (the manifest), or undefined when it is absent or larger than `maxBytes`. */
export async function readRunText(outRoot: string, outDir: string, name: string, maxBytes: number): Promise<string | undefined> {
  const f = await openRunFile(outRoot, outDir, name);
  if (!f) return undefined;
  try {
    if (f.size > maxBytes) return undefined;
    return await f.fh.readFile('utf8');
  } finally {
    await f.fh.close();
  }
}
