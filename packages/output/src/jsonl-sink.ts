import { createSink } from './line-sink.js';
import type { Sink } from './sink.js';

/** One JSON object per line, nesting kept. */
export function createJsonlSink(path: string): Sink {
  return createSink('jsonl', path, { columns: [] });
}
