import { AtomicFile } from './atomic-file.js';
import { createRecordEncoder } from './record-encoder.js';
import type { Sink, SinkFile } from './sink.js';

/** One JSON object per line, nesting kept. */
export function createJsonlSink(path: string): Sink {
  const file = new AtomicFile(path);
  const encode = createRecordEncoder('jsonl', { columns: [] });
  let rows = 0;
  const writeEncoded = async (text: string, n: number) => {
    rows += n;
    await file.write(text);
  };
  return {
    format: 'jsonl',
    encode,
    writeEncoded,
    write: (records) => writeEncoded(records.map(encode).join(''), records.length),
    async commit(): Promise<SinkFile> {
      return { ...(await file.commit()), format: 'jsonl', rows };
    },
    abort: () => file.abort(),
  };
}
