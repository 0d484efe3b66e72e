import type { FileInfo } from './atomic-file.js';

/**
 * One file a dataset writer appends to: an atomic file (embedded mode) or a part file a resumed
 * run cuts back to its last commit point (farm mode). Named by the {@link FileStore} that opened it.
 */
export interface ByteFile {
  append(data: string | Uint8Array): Promise<void>;
  /** Bytes written so far (what a commit point records and a resume cuts back to). */
  readonly bytes: number;
  /** Completes the file and renames it into the run's staging directory. */
  commit(): Promise<FileInfo>;
  /** The run failed or stopped: an atomic file is removed, a part file is kept for a resume. */
  discard(): Promise<void>;
  /** The bytes written so far, in chunks (a resumed writer reads back what it kept). */
  read(): AsyncIterable<Uint8Array>;
}

/** Where a run's dataset files are opened, by plain file name (`customers.part-00001.csv.gz`). */
export interface FileStore {
  /** True in farm mode: files survive a stopped run and are reopened at a commit point. */
  readonly resumable: boolean;
  /** Opens file `name`: fresh, or (resumable) cut back to `resumeAt` bytes. */
  open(name: string, resumeAt?: number): Promise<ByteFile>;
  /** A file already renamed into the staging directory (a part finished before a resume). */
  info(name: string): Promise<FileInfo>;
  /** Removes the part file of `name` that was never committed (a writer's scratch file). */
  remove(name: string): Promise<void>;
}

/** A run of encoded lines: `ends[k]` is where line k ends in `text` (UTF-16 index). */
export interface Lines {
  text: string;
  ends: ArrayLike<number>;
  /** The same lines as UTF-8 bytes, when the caller has them: a file takes these as they are. */
  bytes?: Uint8Array;
}
