import { constants, existsSync } from 'node:fs';
import { access, lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { OutputError } from '@synthfarm/core';

/** An output directory opened inside a root so that no symbolic link can lead its files out of it. */
export interface ConfinedDir {
  /** The directory as it was asked for (`<root>/<rel>`), for messages. */
  readonly path: string;
  /**
   * The path to open the directory's files through. On Linux `/proc/self/fd/N`: the directory
   * that was opened, wherever its name leads now (what `openat(dirfd, name)` gives in C).
   * Elsewhere its real path, checked when opened.
   */
  readonly handle: string;
  /** Closes the directory; {@link handle} is unusable afterwards. */
  close(): Promise<void>;
}

/** `/proc/self/fd` gives openat()'s guarantee without native code; Linux only. */
const PROC_FD = '/proc/self/fd';
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;

/** True when `child` is `root` or below it (both resolved). */
function inside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** How {@link openConfinedDir} opens the directory. */
export interface ConfinedDirOptions {
  /**
   * Create missing directories (the root included) and require the directory to be writable, for
   * a run's output. `false` opens an existing directory to read its files (the server's downloads):
   * nothing is created and a missing component is an error with code ENOENT. Default true.
   */
  create?: boolean;
}

/**
 * Creates (as needed) and opens `dir` below `root` one component at a time, never following a
 * symbolic link: a link swapped into the path after the request was checked (a race) makes this
 * throw instead of leading writes outside `root`. This is how tar extractors (GNU tar, libarchive's
 * SECURE_SYMLINKS) and nginx's `disable_symlinks` walk a path: `openat(parent, name, O_NOFOLLOW |
 * O_DIRECTORY)` per component, the opened directory then used for every file. Node has no openat,
 * so on Linux the opened directory is reached through `/proc/self/fd/N` (as systemd's `chase()`
 * does); elsewhere each component is checked with lstat and the result with realpath, which
 * narrows the race to microseconds but cannot close it.
 * `root` itself is trusted (the server's `--out-root`; it may be a link).
 * @throws OutputError naming the component that is a link or not a directory, or an fs error code.
 */
export async function openConfinedDir(root: string, dir: string, opts: ConfinedDirOptions = {}): Promise<ConfinedDir> {
  const create = opts.create ?? true;
  const access_ = create ? constants.W_OK : constants.R_OK | constants.X_OK;
  const absRoot = resolve(root);
  const absDir = resolve(dir);
  const refuse = (what: string): never => {
    throw new OutputError(`output directory ${absDir}: ${what}; refusing to ${create ? 'write' : 'read'} outside ${absRoot}`);
  };
  if (!inside(absRoot, absDir) || absDir === absRoot) refuse('not inside the output root');
  const parts = relative(absRoot, absDir).split(sep);
  const fail = (err: unknown, at: string): never => {
    throw new OutputError(`output directory ${absDir} cannot be ${create ? 'written' : 'read'} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} at ${at})`, { cause: err });
  };
  let realRoot: string;
  try {
    // The root is the operator's (trusted): made when missing, like the output dir of a local run.
    if (create) await mkdir(absRoot, { recursive: true });
    realRoot = await realpath(absRoot);
  } catch (err) {
    return fail(err, absRoot);
  }
  /** What a component that could not be opened as a directory is, for the message. */
  const whyNot = async (at: string): Promise<never> => {
    const s = await lstat(at).catch(() => undefined);
    return refuse(`${at} is ${s?.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}`);
  };

  if (!existsSync(PROC_FD)) {
    let cur = realRoot;
    for (const [i, part] of parts.entries()) {
      cur = join(cur, part);
      const shown = join(absRoot, ...parts.slice(0, i + 1));
      if (create) await mkdir(cur).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? undefined : fail(err, shown)));
      const s = await lstat(cur).catch((err) => fail(err, shown));
      if (s.isSymbolicLink() || !s.isDirectory()) await whyNot(cur);
    }
    if ((await realpath(cur)) !== cur) refuse('its path changed while it was opened');
    await access(cur, access_).catch((err) => fail(err, absDir));
    return { path: absDir, handle: cur, close: async () => undefined };
  }

  let fh: FileHandle;
  try {
    fh = await open(realRoot, constants.O_RDONLY | O_DIRECTORY);
  } catch (err) {
    return fail(err, absRoot);
  }
  try {
    for (const [i, part] of parts.entries()) {
      const shown = join(absRoot, ...parts.slice(0, i + 1));
      const at = `${PROC_FD}/${fh.fd}/${part}`;
      // mkdir never follows a link in its last component: an existing link is EEXIST, then refused below.
      if (create) await mkdir(at).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? undefined : fail(err, shown)));
      let next: FileHandle;
      try {
        next = await open(at, constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'ENOTDIR') await whyNot(shown);
        return fail(err, shown);
      }
      await fh.close();
      fh = next;
    }
    const handle = `${PROC_FD}/${fh.fd}`;
    // The directory we hold must be where it was asked for: not moved out of the root meanwhile.
    const real = await realpath(handle);
    if (!inside(realRoot, real) || real === realRoot) refuse(`it resolves to ${real}`);
    await access(handle, access_).catch((err) => fail(err, absDir));
    const held = fh;
    return { path: absDir, handle, close: () => held.close() };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}
