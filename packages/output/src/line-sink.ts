import { AtomicFile } from './atomic-file.js';
import { createRecordEncoder, csvHeader, type EncoderOptions, type Format } from './record-encoder.js';
import type { Sink, SinkFile } from './sink.js';

/**
 * A sink writing one encoded line per record to an atomic file: CSV (a header row first,
 * even for no records) or JSONL. The formats differ only in their encoder and header.
 */
export function createSink(format: Format, path: string, opts: EncoderOptions): Sink {
  const file = new AtomicFile(path);
  const encode = createRecordEncoder(format, opts);
  let pending = format === 'csv' ? csvHeader(opts.columns) : '';
  let rows = 0;
  const writeEncoded = async (text: string, n: number) => {
    rows += n;
    const out = pending + text;
    pending = '';
    await file.write(out);
  };
  return {
    format,
    encode,
    writeEncoded,
    write: (records) => writeEncoded(records.map(encode).join(''), records.length),
    async commit(): Promise<SinkFile> {
      if (pending) await writeEncoded('', 0);
      return { ...(await file.commit()), format, rows };
    },
    abort: () => file.abort(),
  };
}
