import { access, constants, mkdir, stat } from 'node:fs/promises';
import { OutputError } from '@synthfarm/core';

/** Creates the output directory and checks it is writable, before any work is spent. */
export async function prepareOutputDir(dir: string): Promise<void> {
  try {
    const s = await stat(dir).catch(() => undefined);
    if (s && !s.isDirectory()) throw new OutputError(`output directory ${dir} is a file, not a directory`);
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    if (err instanceof OutputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new OutputError(`output directory ${dir} cannot be written (${code})`, { cause: err });
  }
}
