import type { EncoderOptions } from './record-encoder.js';
import { createSink } from './line-sink.js';
import type { Sink } from './sink.js';

export type CsvSinkOptions = EncoderOptions;

/** RFC 4180 CSV with a header row; quoting by csv-stringify; dot-path columns for nested objects. */
export function createCsvSink(path: string, opts: CsvSinkOptions): Sink {
  return createSink('csv', path, opts);
}
