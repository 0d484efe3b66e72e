import type { Reject } from '@synthfarm/output';
// The sources' own module, not their barrel (profile, compare): what a code thread loads to read a batch.
import { checkDatasetSource, openDatasetSource } from '@synthfarm/sources/dataset-source';
import type { Source, SourceItem, SourcePosition } from '@synthfarm/sources';
import type { Spec } from '@synthfarm/spec';

/** A source dataset's batch as read: one slot per record (null for a malformed row). */
export interface SourceBatch {
  rows: Array<Record<string, unknown> | null>;
  /** Source key per record (undefined for a malformed row). */
  keys: unknown[];
  /** Malformed rows: rejects naming the source and the line. */
  rejects: Reject[];
}

const open = new Map<string, Source>();

/**
 * File sources {@link resolveSourceCounts} just counted, by what they read, for the run's
 * {@link sourceFor} to take over: counting a file built its row index, which the run's batches
 * then start from (another pass over the file otherwise, while the code threads wait for their
 * first ranges). Taken once; replaced by the next count of the same source.
 */
const counted = new Map<string, Source>();
const MAX_COUNTED = 16;
const sourceId = (spec: Spec, d: number) => JSON.stringify([spec.sources[spec.datasets[d]!.source!.from], spec.datasets[d]!.source, spec.datasets[d]!.name]);

/** This process's source of dataset `d` (opened once per spec and dataset, on any worker). */
export function sourceFor(specKey: string, spec: Spec, d: number): Source {
  const k = `${specKey}#${d}`;
  let s = open.get(k);
  if (!s) {
    const id = sourceId(spec, d);
    s = counted.get(id) ?? openDatasetSource(spec, spec.datasets[d]!);
    counted.delete(id);
    open.set(k, s);
  }
  return s;
}

/**
 * Reads records [start, start+count) of a source dataset: the batch is a source range, read by
 * whichever process runs it (DESIGN §9: batches carry ranges, never rows).
 */
export async function readSourceBatch(source: Source, spec: Spec, d: number, start: number, count: number): Promise<SourceBatch> {
  const into = { keys: new Array<unknown>(count).fill(undefined), rejects: [] as Reject[] };
  let rows: SourceBatch['rows'] = [];
  for await (const chunk of readSourceChunks(source, spec, d, start, count, count, into)) rows = rows.length ? rows.concat(chunk.rows) : chunk.rows;
  return { rows, keys: into.keys, rejects: into.rejects };
}

/** A run of a batch's legacy rows: `rows[i]` is record offset `offset + i` (null: malformed or missing). */
export interface SourceChunk {
  offset: number;
  rows: Array<Record<string, unknown> | null>;
}

/**
 * Reads records [start, start+count) of a source dataset in runs of at most `size` rows, every
 * offset once and in order, so a code thread can transform rows as they come and keep no more
 * than a run of them alive (a whole batch of rows, alive until its last record was made, was
 * copied again by every young-generation collection meanwhile). Fills `into` with each record's
 * source key and the rejects of malformed and missing rows. Sources yield rows in order.
 */
export async function* readSourceChunks(source: Source, spec: Spec, d: number, start: number, count: number, size: number, into: { keys: unknown[]; rejects: Reject[] }, at?: SourcePosition): AsyncIterable<SourceChunk> {
  const ds = spec.datasets[d]!;
  const key = ds.source!.key;
  let offset = 0; // the chunk's first offset
  let rows: SourceChunk['rows'] = [];
  // Offsets before `next` have their row (or null); a row the source skipped is missing.
  let next = 0;
  const missing = (k: number) => into.rejects.push({ dataset: ds.name, index: start + k, reason: 'missing_row', error: `${source.label} has no row ${start + k} (did it shrink during the run?)`, source: ds.source!.from });
  const range = { start, end: start + count, at };
  for await (const items of source.readRuns ? source.readRuns(range) : oneByOne(source.read(range))) for (const item of items) {
    const k = item.row - start;
    if (k < next || k >= count) continue;
    for (; next < k; next++) {
      missing(next);
      rows.push(null);
    }
    next = k + 1;
    if (!item.ok) {
      into.rejects.push({ dataset: ds.name, index: item.row, reason: 'malformed_row', error: item.reason, source: ds.source!.from, ...(item.line !== undefined ? { line: item.line } : {}) });
      rows.push(null);
    } else {
      rows.push(item.values as Record<string, unknown>);
      into.keys[k] = normalizeKey(item.values[key]);
    }
    if (rows.length >= size) {
      yield { offset, rows };
      offset += rows.length;
      rows = [];
    }
  }
  for (; next < count; next++) {
    missing(next);
    rows.push(null);
  }
  if (rows.length) yield { offset, rows };
}

/**
 * Where this process's source of dataset `d` starts reading to reach row `start` (files: an
 * entry of the index it builds once), for the code thread that reads the batch: without it, each
 * code thread indexed the whole file again (a pass over every row, per thread) before its first
 * batch past the first. Undefined for sources that need none.
 */
export async function sourcePosition(specKey: string, spec: Spec, d: number, start: number): Promise<SourcePosition | undefined> {
  const source = sourceFor(specKey, spec, d);
  return source.position ? source.position(start) : undefined;
}

/** Keys compare as text: `7` from a file and 7 from a database are the same key. */
export function normalizeKey(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v).trim();
}

/**
 * Opens every source dataset's source and fills in its count (the source's rows, or `limit`).
 * Nothing is written before this: an unreadable source (missing file, wrong password, missing
 * table or column) is a SourceError (exit 2) naming it.
 */
export async function resolveSourceCounts(spec: Spec): Promise<void> {
  for (const [d, ds] of spec.datasets.entries()) {
    if (!ds.source) continue;
    const source = openDatasetSource(spec, ds);
    let keep = false;
    try {
      ds.count = await checkDatasetSource(source, ds);
      // A file source holds nothing open, only its index: kept for the run (a database source's connection is not).
      keep = !!source.position;
      if (keep) {
        if (counted.size >= MAX_COUNTED) counted.clear();
        counted.set(sourceId(spec, d), source);
      }
    } finally {
      if (!keep) await source.close().catch(() => undefined);
    }
  }
}

/** Closes the sources this process opened for `specKey`. */
export async function closeSources(specKey: string): Promise<void> {
  for (const [k, s] of open) {
    if (!k.startsWith(`${specKey}#`)) continue;
    open.delete(k);
    await s.close().catch(() => undefined);
  }
}

/** A source's items one run each (a source with no {@link Source.readRuns}). */
async function* oneByOne(items: AsyncIterable<SourceItem>): AsyncIterable<SourceItem[]> {
  for await (const item of items) yield [item];
}
