import { AtomicFile } from './atomic-file.js';
import { createRecordEncoder, csvHeader, type EncoderOptions, type Format } from './record-encoder.js';
import { createJsonlSink } from './jsonl-sink.js';
import type { Sink, SinkFile } from './sink.js';

export type CsvSinkOptions = EncoderOptions;

/** RFC 4180 CSV with a header row; quoting by csv-stringify; dot-path columns for nested objects. */
export function createCsvSink(path: string, opts: CsvSinkOptions): Sink {
  const file = new AtomicFile(path);
  const encode = createRecordEncoder('csv', opts);
  let rows = 0;
  let header = false;
  const writeEncoded = async (text: string, n: number) => {
    if (!header) {
      text = csvHeader(opts.columns) + text;
      header = true;
    }
    rows += n;
    await file.write(text);
  };
  return {
    format: 'csv',
    encode,
    writeEncoded,
    write: (records) => writeEncoded(records.map(encode).join(''), records.length),
    async commit(): Promise<SinkFile> {
      if (!header) await writeEncoded('', 0);
      return { ...(await file.commit()), format: 'csv', rows };
    },
    abort: () => file.abort(),
  };
}

/** The sink for a format. */
export function createSink(format: Format, path: string, opts: EncoderOptions): Sink {
  return format === 'csv' ? createCsvSink(path, opts) : createJsonlSink(path);
}
