import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AtomicFile, ResumableFile, type FileInfo } from '@synthfarm/output';

/** An output file the committer appends to, renamed into place only when complete. */
export interface OutputFile {
  append(text: string): Promise<void>;
  /** Bytes written so far (a commit point records it). */
  readonly bytes: number;
  commit(): Promise<FileInfo>;
  /** The run failed: embedded mode removes the partial file, farm mode keeps it for a resume. */
  discard(): Promise<void>;
}

/** How a run opens its files: fresh, or (farm mode) cut back to a commit point. */
export interface OutputFiles {
  open(path: string, resumeAt?: number): Promise<OutputFile>;
  /** A file already renamed into place (a resume that finds a dataset finished). */
  info(path: string): Promise<FileInfo>;
  /** True when `path` is in place and its part file gone: renamed before a crash recorded it. */
  renamed?(path: string): Promise<boolean>;
}

/** Embedded mode: atomic files, streamed with backpressure; removed when a run fails. */
export const atomicFiles: OutputFiles = {
  async open(path) {
    const f = new AtomicFile(path);
    let bytes = 0;
    return {
      get bytes() {
        return bytes;
      },
      async append(text) {
        bytes += Buffer.byteLength(text, 'utf8');
        await f.write(text);
      },
      commit: () => f.commit(),
      discard: () => f.abort(),
    };
  },
  info: (path) => ResumableFile.info(path),
};

/** Farm mode: part files a resumed coordinator cuts back to its last commit point; kept when a run fails. */
export function resumableFiles(runId: string): OutputFiles {
  return {
    async open(path, resumeAt) {
      const f = await ResumableFile.open(path, runId, resumeAt);
      return {
        get bytes() {
          return f.bytes;
        },
        append: (text) => f.append(text),
        commit: () => f.commit(),
        discard: () => f.close(),
      };
    },
    info: (path) => ResumableFile.info(path),
    async renamed(path) {
      const exists = (p: string) => access(p).then(() => true, () => false);
      return !(await exists(join(dirname(path), `.${basename(path)}.${runId}.part`))) && (await exists(path));
    },
  };
}
