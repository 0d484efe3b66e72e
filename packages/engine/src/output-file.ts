import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicFile, ioError, openConfinedDir, ResumableFile, RunOutput, type ConfinedDir, type FileInfo, type PublishedManifest } from '@synthfarm/output';

/** An output file the committer appends to, renamed into the run's staging directory only when complete. */
export interface OutputFile {
  append(data: string | Uint8Array): Promise<void>;
  /** Bytes written so far (a commit point records it). */
  readonly bytes: number;
  commit(): Promise<FileInfo>;
  /** What was written so far (a resumable file, reopened at a commit point); '' for an atomic file. */
  text(): Promise<string>;
  /** What was written so far, in chunks (a resumable file; nothing for an atomic file). */
  read(): AsyncIterable<Uint8Array>;
  /** The run failed or stopped: an atomic file is removed, a part file is kept (a resume, or {@link RunFiles.finish}, deals with it). */
  discard(): Promise<void>;
}

/** Where a run's output goes, and how (the same for both modes; only `resumable` differs). */
export interface RunFilesOptions {
  /** The output directory. */
  dir: string;
  runId: string;
  /**
   * A root `dir` must be opened inside without following any symbolic link (a run posted to the
   * API: the server's `--out-root`). Its files are then reached through the opened directory.
   */
  outRoot?: string | undefined;
  /**
   * Farm mode: files are part files a resumed committer cuts back to its last commit point, and
   * the staging directory survives a stopped run. Otherwise (embedded mode) atomic files.
   */
  resumable: boolean;
}

/** How a run's file is written. */
export interface OpenOptions {
  /**
   * Compute the file's sha256 (default true). False for a file the manifest lists without one
   * (the report's files); a resumable (farm) file digests whatever this says.
   */
  digest?: boolean;
}

/**
 * One run's output directory, opened: files are created in the run's staging directory
 * (see RunOutput) and become visible all together when {@link publish} runs, or never.
 */
export interface RunFiles {
  /** Farm mode: part files a resume reopens at a commit point (see {@link RunFilesOptions.resumable}). */
  readonly resumable: boolean;
  /** The directory files are opened through (for a confined directory its `/proc/self/fd` path). */
  readonly dir: string;
  /** The staging directory: the manifest's file paths are relative to it. */
  readonly staging: string;
  /**
   * Opens file `name`: fresh, or (resumable) cut back to the commit point `resumeAt`; a file
   * renamed into the staging directory after that commit point is taken back first.
   */
  open(name: string, resumeAt?: number, opts?: OpenOptions): Promise<OutputFile>;
  /** A file already renamed into the staging directory (a resume that finds a dataset finished). */
  info(name: string): Promise<FileInfo>;
  /** Removes the part file of `name`, never committed (a writer's scratch file); nothing in embedded mode. */
  remove(name: string): Promise<void>;
  /** Publishes the staged files the manifest lists, then the manifest (see RunOutput.publish). */
  publish(manifest: PublishedManifest): Promise<void>;
  /** Drops everything staged: the output directory keeps what it had before the run. */
  discard(): Promise<void>;
  /**
   * The run is over (not stopped for a resume): removes its part files left in the directory,
   * those of datasets it never finished. Then closes the directory.
   */
  finish(): Promise<void>;
  /** Closes the directory, leaving staging and part files for a resume. */
  close(): Promise<void>;
}

/**
 * Opens a run's output directory, the one way both modes do it: confined under `outRoot` when
 * given (no link followed, files opened through the held directory), then the run's staging
 * directory created inside it (stale stagings of killed runs finished or cleared first).
 * @throws OutputError when the directory cannot be created or written, or escapes `outRoot`.
 */
export async function openRunFiles(opts: RunFilesOptions): Promise<RunFiles> {
  const { runId, resumable } = opts;
  let confined: ConfinedDir | undefined;
  if (opts.outRoot) confined = await openConfinedDir(opts.outRoot, opts.dir);
  const dir = confined?.handle ?? opts.dir;
  let out: RunOutput;
  try {
    out = await RunOutput.open(dir, runId, { resumable });
  } catch (err) {
    await confined?.close().catch(() => undefined);
    throw err;
  }
  const staged = (name: string) => out.path(name);
  // Part files live in the output directory under hidden names; a finished one is renamed into the staging.
  const part = (name: string) => join(dir, `.${name}.${runId}.part`);
  const close = async () => {
    await confined?.close().catch(() => undefined);
  };
  return {
    resumable,
    dir,
    staging: out.staging,
    open: (name, resumeAt, o) => (resumable ? openResumable(staged(name), runId, resumeAt, dir) : openAtomic(staged(name), o?.digest ?? true)),
    info: (name) => ResumableFile.info(staged(name)),
    remove: async (name) => {
      if (resumable) await unlink(part(name)).catch(() => undefined);
    },
    publish: (manifest) => out.publish(manifest),
    discard: () => out.discard(),
    async finish() {
      if (resumable) {
        const names = await readdir(dir).catch(() => [] as string[]);
        await Promise.all(names.filter((n) => n.startsWith('.') && n.endsWith(`.${runId}.part`)).map((n) => unlink(join(dir, n)).catch(() => undefined)));
      }
      await close();
    },
    close,
  };
}

/** Embedded mode: an atomic file, streamed with backpressure; removed when the run fails. */
async function openAtomic(path: string, digest: boolean): Promise<OutputFile> {
  const f = new AtomicFile(path, undefined, digest);
  let bytes = 0;
  return {
    get bytes() {
      return bytes;
    },
    async append(data) {
      bytes += typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length;
      await f.write(data);
    },
    commit: () => f.commit(),
    // Written from the start by this process: nothing to read back.
    text: async () => '',
    read: async function* () {},
    discard: () => f.abort(),
  };
}

/** Farm mode: a part file in `partDir` a resumed committer cuts back to its last commit point; kept when the run fails. */
async function openResumable(path: string, runId: string, resumeAt: number | undefined, partDir: string): Promise<OutputFile> {
  const f = await ResumableFile.open(path, runId, resumeAt, partDir);
  return {
    get bytes() {
      return f.bytes;
    },
    // Write errors name the file, as the atomic files' do (exit 1).
    append: (text) => f.append(text).catch((err: unknown) => Promise.reject(ioError('write', path, err))),
    commit: () => f.commit().catch((err: unknown) => Promise.reject(ioError('write', path, err))),
    text: () => f.text(),
    read: () => f.read(),
    discard: () => f.close(),
  };
}
