import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readlink, rename, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { openConfinedDir } from '@synthfarm/output';

/**
 * The directories of a schedule's firings under `ROOT/NAME/` (DESIGN §6): `YYYY-MM-DD/` for the
 * first firing of a day, `YYYY-MM-DD-HHMMSS/` (the firing's own time) for later ones, a `latest`
 * link to the newest completed one, and pruning to the newest `keep`. Every operation goes
 * through the schedule's directory opened with {@link openConfinedDir}: no symbolic link under
 * ROOT can lead a write or a delete out of it.
 */

/** The name of the link to the newest completed firing. */
export const LATEST = 'latest';

/** Names a firing directory can have: only these are ever pruned. */
const FIRING_NAME = /^\d{4}-\d{2}-\d{2}(-\d{6}(-\d+)?)?$/;

/** `YYYY-MM-DD` and `HHMMSS` of an instant in a time zone. */
export function dayAndTime(tz: string, at: Date): { day: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { day: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}${parts.minute}${parts.second}` };
}

/** Runs `fn` with `ROOT/NAME` opened (and created) inside ROOT; its argument is the path to reach entries through. */
async function inScheduleDir<T>(root: string, name: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await openConfinedDir(root, join(root, name));
  try {
    return await fn(dir.handle);
  } finally {
    await dir.close();
  }
}

/**
 * Creates the firing's directory and returns its absolute path. `mkdir` is the claim: two
 * firings at once never share a directory, and a second firing of the day takes its own time
 * (then `-2`, `-3`, ... within the same second), never the previous firing's.
 */
export function claimFiringDir(root: string, name: string, tz: string, at: Date): Promise<string> {
  const { day, time } = dayAndTime(tz, at);
  return inScheduleDir(root, name, async (dir) => {
    for (let n = 0; ; n++) {
      const base = n === 0 ? day : n === 1 ? `${day}-${time}` : `${day}-${time}-${n}`;
      try {
        await mkdir(join(dir, base));
        return join(root, name, base);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  });
}

/**
 * Points `ROOT/NAME/latest` at the firing directory `base` (a relative link): a new link under a
 * temporary name renamed over the old one, so a reader always finds a whole link. Refuses to
 * replace a `latest` that is a real directory (someone else's).
 */
export async function pointLatest(root: string, name: string, base: string): Promise<void> {
  if (!FIRING_NAME.test(base)) throw new Error(`[schedule ${name}] not a firing directory: ${base}`);
  return inScheduleDir(root, name, async (dir) => {
    const existing = await lstat(join(dir, LATEST)).catch(() => undefined);
    if (existing && !existing.isSymbolicLink()) throw new Error(`[schedule ${name}] ${join(root, name, LATEST)} is not a link; left as it is`);
    const temp = join(dir, `.${LATEST}-${randomBytes(6).toString('hex')}`);
    await symlink(base, temp);
    try {
      await rename(temp, join(dir, LATEST));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  });
}

/**
 * Deletes firing directories of `created` (names, newest first, all made by this schedule) past
 * the newest `keep`, except the one `latest` points at. Only real directories directly under
 * `ROOT/NAME/` with a firing's name are deleted; a link is never followed (nor removed).
 * Resolves with the names that are gone (deleted, or already missing), to forget.
 */
export function pruneFirings(root: string, name: string, created: readonly string[], keep: number): Promise<string[]> {
  return inScheduleDir(root, name, async (dir) => {
    const latest = await readlink(join(dir, LATEST)).catch(() => undefined);
    const gone: string[] = [];
    for (const base of created.slice(keep)) {
      if (!FIRING_NAME.test(base) || base === latest) continue;
      const s = await lstat(join(dir, base)).catch(() => undefined);
      if (!s) {
        gone.push(base);
        continue;
      }
      if (!s.isDirectory() || s.isSymbolicLink()) continue;
      await rm(join(dir, base), { recursive: true, force: true });
      gone.push(base);
    }
    return gone;
  });
}
