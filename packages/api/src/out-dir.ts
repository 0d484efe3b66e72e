import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '@synthfarm/core';

/** True when `child` is `root` itself or below it (both already resolved). */
function inside(root: string, child: string): boolean {
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
 * @throws UsageError `out: must stay inside <root>` (HTTP 400).
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
  const [realRoot, realTarget] = await Promise.all([realpathOfExisting(absRoot), realpathOfExisting(target)]);
  if (realTarget === realRoot || !inside(realRoot, realTarget)) refuse();
  return target;
}
