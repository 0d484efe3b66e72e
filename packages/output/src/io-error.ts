import { OutputWriteError } from '@synthfarm/core';

/** Plain words for the errnos a user meets when writing output. */
const PLAIN: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'I/O error',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EMFILE: 'too many open files',
};

/**
 * An I/O failure while writing output as one line naming the action, the path and the cause in
 * plain words with its code: `cannot write out/manifest.json: disk full (ENOSPC)`. Exit 1.
 */
export function ioError(action: string, path: string, err: unknown): OutputWriteError {
  if (err instanceof OutputWriteError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = code ? `${PLAIN[code] ?? 'error'} (${code})` : err instanceof Error ? err.message : String(err);
  return new OutputWriteError(`cannot ${action} ${path}: ${why}`, { cause: err });
}
