import { AtomicFile } from './atomic-file.js';

/** Writes a JSON document (a manifest) atomically, pretty-printed, with a trailing newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const f = new AtomicFile(path);
  try {
    await f.write(JSON.stringify(value, null, 2) + '\n');
    await f.commit();
  } catch (err) {
    await f.abort();
    throw err;
  }
}
