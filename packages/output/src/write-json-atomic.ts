import { AtomicFile } from './atomic-file.js';

/**
 * Writes a JSON document (a manifest) atomically, pretty-printed, with a trailing newline.
 * @param tmp the temporary file's path (see {@link AtomicFile}); default a unique name next to `path`.
 */
export async function writeJsonAtomic(path: string, value: unknown, tmp?: string): Promise<void> {
  const f = new AtomicFile(path, tmp);
  try {
    await f.write(JSON.stringify(value, null, 2) + '\n');
    await f.commit();
  } catch (err) {
    await f.abort();
    throw err;
  }
}
