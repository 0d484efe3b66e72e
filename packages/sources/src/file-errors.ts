import { SourceError } from '@synthfarm/core/errors';

/** A file source that cannot be opened, as a {@link SourceError} naming it and the reason. */
export function fileSourceError(label: string, err: unknown): SourceError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message;
  return new SourceError(`${label} cannot be read: ${why}`, { cause: err });
}
