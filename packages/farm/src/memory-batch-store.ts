import type { BatchOutput } from './batch-output.js';
import type { BatchStore } from './batch-store.js';

/** In-process BatchStore (tests, and a farm of one process). */
export function createMemoryBatchStore(): BatchStore {
  const data = new Map<string, BatchOutput>();
  const waiters = new Map<string, Array<() => void>>();
  const key = (r: string, d: number, b: number) => `${r}:${d}:${b}`;
  return {
    async put(r, d, b, out) {
      data.set(key(r, d, b), structuredClone(out));
      for (const w of waiters.get(r)?.splice(0) ?? []) w();
    },
    async get(r, d, b) {
      const v = data.get(key(r, d, b));
      return v && structuredClone(v);
    },
    async delete(r, d, b) {
      data.delete(key(r, d, b));
    },
    wait(r, timeoutMs) {
      return new Promise((resolve) => {
        const list = waiters.get(r) ?? [];
        waiters.set(r, list);
        const t = setTimeout(resolve, timeoutMs);
        list.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
