import { AtomicFile } from './atomic-file.js';
import { createRecordEncoder, csvHeader, type EncoderOptions, type Format } from './record-encoder.js';
import type { Sink, SinkFile } from './sink.js';

/**
 * A sink writing one encoded line per record to an atomic file: CSV (a header row first,
 * even for no records) or JSONL. The formats differ only in their encoder and header.
 */
export function createSink(format: Exclude<Format, 'pgcopy'>, path: string, opts: EncoderOptions): Sink {
  const file = new AtomicFile(path);
  const encode = createRecordEncoder(format, opts);
  // Committed text is gathered into writes of WRITE_CHARS or more: a run commits a batch of a few
  // hundred lines at a time, and one write each means thousands of small writes, each a trip to
  // the I/O thread pool (and on a machine whose cores the code threads fill, a context switch).
  let pending = format === 'csv' ? csvHeader(opts.columns) : '';
  let rows = 0;
  const flush = async () => {
    const out = pending;
    pending = '';
    await file.write(out);
  };
  const writeEncoded = async (text: string, n: number) => {
    rows += n;
    pending += text;
    if (pending.length >= WRITE_CHARS) await flush();
  };
  return {
    format,
    encode,
    writeEncoded,
    write: (records) => writeEncoded(records.map(encode).join(''), records.length),
    async commit(): Promise<SinkFile> {
      if (pending) await flush();
      return { ...(await file.commit()), format, rows };
    },
    abort: () => file.abort(),
  };
}

/** Text gathered before one write to the file (UTF-16 units; at least this many bytes). */
export const WRITE_CHARS = 256 * 1024;
