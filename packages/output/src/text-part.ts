import type { FileStore } from './file-store.js';
import { sliceBytes, type PartResume, type PartWriter } from './part-writer.js';

/**
 * A CSV or JSONL file written as it comes: the header (CSV) when created, then each append's
 * lines. A resume cuts it back to its offset at the commit point.
 */
export async function openTextPart(store: FileStore, name: string, header: string, resume?: PartResume): Promise<PartWriter> {
  const file = await store.open(name, resume?.position[''] ?? (resume ? 0 : undefined));
  if (!resume && header) await file.append(header);
  return {
    append: (lines, from, to) => file.append(sliceBytes(lines, from, to)),
    position: () => ({ '': file.bytes }),
    commit: () => file.commit(),
    discard: () => file.discard(),
  };
}
