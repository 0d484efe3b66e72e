import type { OutputFile } from './output-file.js';
import { parseRunEvent, type RunEvent } from './run-events.js';

/**
 * Where a run's events go (see run-events.ts). The committer is the only writer: it appends the
 * events of each batch when it commits the batch, so the order is commit order in both modes.
 */
export interface EventLog {
  /** Appends events in order. */
  append(events: readonly RunEvent[]): Promise<void>;
  /** The events appended so far, oldest first (a bounded log may have dropped the oldest). */
  read(): AsyncIterable<RunEvent>;
}

/** Name of a run's event file, beside manifest.json. */
export const EVENTS_FILE = 'events.jsonl';

/**
 * `events.jsonl` of a run: one JSON event per line, in the run's staging directory and published
 * with the other files. Complete: a resumed farm run reads it back (cut at its last commit point)
 * to rebuild its record.
 */
export function createFileEventLog(file: OutputFile): EventLog & { readonly file: OutputFile } {
  return {
    file,
    append: (events) => (events.length ? file.append(events.map((e) => JSON.stringify(e) + '\n').join('')) : Promise.resolve()),
    async *read() {
      const text = await file.text();
      let n = 0;
      for (const line of text.split('\n')) {
        n++;
        if (line) yield parseRunEvent(line, `${EVENTS_FILE} line ${n}`);
      }
    },
  };
}

/** Appends to several logs (a farm run: the file, and the Redis stream live views read). */
export function teeEventLog(first: EventLog, ...more: EventLog[]): EventLog {
  return {
    async append(events) {
      await first.append(events);
      for (const l of more) await l.append(events);
    },
    read: () => first.read(),
  };
}
