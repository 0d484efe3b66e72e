import { hostname } from 'node:os';
import { lstat, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ioError } from './io-error.js';
import { prepareOutputDir } from './prepare-output-dir.js';
import { writeJsonAtomic } from './write-json-atomic.js';

/** Staging directories of runs inside an output directory are named this prefix + the run id. */
export const STAGING_PREFIX = '.synthfarm-staging-';
/** The file in a staging directory that names the process writing it. */
const OWNER_FILE = '.owner';
const MANIFEST = 'manifest.json';

/** What publishing needs to know of a manifest: the files it lists, relative to the output directory. */
export interface PublishedManifest {
  datasets: Record<string, { files: ReadonlyArray<{ path: string }> }>;
  rejects?: { path: string } | undefined;
  /** The run's event log (events.jsonl). */
  events?: { path: string } | undefined;
  /** lineage.jsonl of a transform run with `output.lineage`. */
  lineage?: { path: string } | undefined;
  /** report.html and the report-data.json it is drawn from. */
  report?: { path: string; data: string } | undefined;
  /** decisions.jsonl of a run with model fields (DESIGN §8). */
  decisions?: { file?: { path: string } | undefined } | undefined;
}

interface Owner {
  pid: number;
  host: string;
  /** A farm run's staging, which `synthfarm resume` picks up again: never cleaned as stale. */
  resumable: boolean;
}

/**
 * The output of one run, made visible all together or not at all.
 *
 * Every file of the run is written inside `DIR/.synthfarm-staging-<runId>/` (the way Hadoop's and
 * Spark's output committers write task output under `_temporary/` and move it on job commit).
 * {@link publish} then:
 * 1. writes the run's manifest inside the staging directory: the commit point;
 * 2. removes `DIR/manifest.json`, so the previous run's files are no longer claimed by anything;
 * 3. renames the run's files into `DIR` and removes the previous run's files it did not replace;
 * 4. renames the manifest into `DIR` last (like git's `index.lock` → `index`), and removes the staging.
 * A reader who trusts `manifest.json` therefore never sees a mix of two runs: a process killed
 * before step 2 leaves the previous run whole, one killed during steps 2–4 leaves no manifest, and
 * the next run into the directory rolls that commit forward (its staged manifest is complete) or
 * deletes the staging of a run killed before its commit point.
 */
export class RunOutput {
  private constructor(readonly dir: string, readonly runId: string, readonly staging: string) {}

  /**
   * Checks `dir`, finishes or clears what killed runs left in it, and creates this run's staging
   * directory (kept as it is when `resumable` and it already exists: a farm run resuming).
   */
  static async open(dir: string, runId: string, opts: { resumable?: boolean } = {}): Promise<RunOutput> {
    await prepareOutputDir(dir);
    const staging = join(dir, `${STAGING_PREFIX}${runId}`);
    await recoverStale(dir, staging);
    try {
      // Not recursive: an existing link in its place is EEXIST, then refused, never followed.
      await mkdir(staging).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      if ((await lstat(staging)).isSymbolicLink()) throw Object.assign(new Error('is a symbolic link'), { code: 'ELOOP' });
      const owner: Owner = { pid: process.pid, host: hostname(), resumable: opts.resumable ?? false };
      await writeFile(join(staging, OWNER_FILE), JSON.stringify(owner));
    } catch (err) {
      throw ioError('create', staging, err);
    }
    return new RunOutput(dir, runId, staging);
  }

  /** Where the run writes its file `name` until it is published. */
  path(name: string): string {
    return join(this.staging, name);
  }

  /** Publishes the staged files `manifest` lists, then the manifest itself (see the class comment). */
  async publish(manifest: PublishedManifest): Promise<void> {
    await writeJsonAtomic(join(this.staging, MANIFEST), manifest, join(this.staging, `.${MANIFEST}.tmp`));
    await rollForward(this.dir, this.staging, manifest);
  }

  /** Drops everything staged; the directory keeps what it had before the run. */
  async discard(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Names of the files a manifest lists; anything that is not a plain file name is ignored. */
function listedFiles(m: PublishedManifest | undefined): string[] {
  if (!m || typeof m !== 'object') return [];
  const paths = Object.values(m.datasets ?? {}).flatMap((d) => (d?.files ?? []).map((f) => f?.path));
  if (m.rejects?.path) paths.push(m.rejects.path);
  if (m.events?.path) paths.push(m.events.path);
  if (m.lineage?.path) paths.push(m.lineage.path);
  if (m.report?.path) paths.push(m.report.path);
  if (m.report?.data) paths.push(m.report.data);
  if (m.decisions?.file?.path) paths.push(m.decisions.file.path);
  return paths.filter((p): p is string => typeof p === 'string' && /^[^/\\]+$/.test(p) && p !== '.' && p !== '..' && p !== MANIFEST);
}

async function readManifest(path: string): Promise<PublishedManifest | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PublishedManifest;
  } catch {
    return undefined;
  }
}

const ignoreMissing = (err: unknown): void => {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
};

/** Steps 2–4 of publishing; idempotent, so a commit cut short can be run again. */
async function rollForward(dir: string, staging: string, manifest: PublishedManifest): Promise<void> {
  const target = join(dir, MANIFEST);
  const previous = await readManifest(target);
  const files = listedFiles(manifest);
  try {
    await unlink(target).catch(ignoreMissing);
  } catch (err) {
    throw ioError('remove', target, err);
  }
  for (const f of files) {
    await rename(join(staging, f), join(dir, f)).catch(ignoreMissing).catch((err: unknown) => {
      throw ioError('rename into place', join(dir, f), err);
    });
  }
  for (const f of listedFiles(previous)) if (!files.includes(f)) await unlink(join(dir, f)).catch(() => undefined);
  await rename(join(staging, MANIFEST), target).catch((err: unknown) => {
    throw ioError('rename into place', target, err);
  });
  await rm(staging, { recursive: true, force: true }).catch(() => undefined);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Staging directories of runs killed before they finished: a complete staged manifest means the
 * run had reached its commit point, so its commit is finished; otherwise the staging is removed.
 * A live process's staging, and a resumable (farm) run's, are left alone.
 */
async function recoverStale(dir: string, own: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const name of entries.filter((e) => e.startsWith(STAGING_PREFIX)).sort()) {
    const staging = join(dir, name);
    if (staging === own) continue;
    const owner = await readFile(join(staging, OWNER_FILE), 'utf8').then((t) => JSON.parse(t) as Owner, () => undefined);
    if (owner && owner.host === hostname() && owner.pid !== process.pid && alive(owner.pid)) continue;
    const staged = await readManifest(join(staging, MANIFEST));
    if (staged) await rollForward(dir, staging, staged);
    else if (!owner?.resumable) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
