import { AtomicFile } from './atomic-file.js';
import type { OutRecord, Sink, SinkFile } from './sink.js';

/** One JSON object per line, nesting kept. */
export function createJsonlSink(path: string): Sink {
  const file = new AtomicFile(path);
  let rows = 0;
  return {
    format: 'jsonl',
    async write(records) {
      let text = '';
      for (const r of records) text += JSON.stringify(r) + '\n';
      rows += records.length;
      await file.write(text);
    },
    async commit(): Promise<SinkFile> {
      return { ...(await file.commit()), format: 'jsonl', rows };
    },
    abort: () => file.abort(),
  };
}
