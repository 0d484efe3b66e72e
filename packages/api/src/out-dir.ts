import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '@synthfarm/core';

/** True when `child` is `root` itself or below it (both already resolved). */
export function inside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** realpath of the deepest existing ancestor, with the missing tail appended. */
async function realpathOfExisting(p: string): Promise<string> {
  const tail: string[] = [];
  let cur = p;
  for (;;) {
    try {
      return resolve(await realpath(cur), ...tail.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(cur);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === cur) throw err;
      tail.push(basename(cur));
      cur = parent;
    }
  }
}

/** Longest file name component Linux, macOS and Windows file systems accept (NAME_MAX), in bytes. */
export const MAX_OUT_COMPONENT_BYTES = 255;
/** Longest path the kernel resolves (PATH_MAX less the final NUL), in bytes. */
export const MAX_OUT_PATH_BYTES = 4095;

/**
 * Refuses an `out` the file system would reject with ENAMETOOLONG, before touching it: each
 * component of the resolved path at most {@link MAX_OUT_COMPONENT_BYTES}, all of it at most
 * {@link MAX_OUT_PATH_BYTES}.
 */
function checkLength(target: string): void {
  const total = Buffer.byteLength(target);
  if (total > MAX_OUT_PATH_BYTES) throw new UsageError(`out: the output path is ${total} bytes; the limit is ${MAX_OUT_PATH_BYTES}`);
  for (const part of target.split(sep)) {
    const n = Buffer.byteLength(part);
    if (n > MAX_OUT_COMPONENT_BYTES) throw new UsageError(`out: a path component is ${n} bytes ('${part.slice(0, 20)}...'); the limit is ${MAX_OUT_COMPONENT_BYTES}`);
  }
}

let lastStamp = '';
let sameStampCount = 0;

/** `2025-06-01T12-00-00.123Z`, with `-2`, `-3`… when two runs are posted in the same millisecond. */
export function timestampDirName(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/:/g, '-');
  if (stamp === lastStamp) return `${stamp}-${++sameStampCount + 1}`;
  lastStamp = stamp;
  sameStampCount = 0;
  return stamp;
}

/**
 * Resolves the output directory of a posted run. `out` (relative to `root`, or absolute) must land
 * strictly inside `root`, lexically and after following symlinks that already exist, so a request
 * cannot write over `/etc` with `../../etc` or through a link planted in the root.
 * Default: `<root>/<timestamp>`.
 * @throws UsageError `out: must stay inside <root>`, or `out: ... the limit is 255` for a name
 * too long for the file system (HTTP 400).
 */
export async function resolveOutDir(root: string, out: string | undefined, now: Date = new Date()): Promise<string> {
  const absRoot = resolve(root);
  if (out === undefined || out.trim() === '') return resolve(absRoot, timestampDirName(now));
  const refuse = (): never => {
    throw new UsageError(`out: must stay inside ${absRoot}`);
  };
  if (out.includes('\0')) refuse();
  const target = resolve(absRoot, out);
  if (target === absRoot || !inside(absRoot, target)) refuse();
  checkLength(target);
  const [realRoot, realTarget] = await Promise.all([realpathOfExisting(absRoot), realpathOfExisting(target)]);
  if (realTarget === realRoot || !inside(realRoot, realTarget)) refuse();
  return target;
}
