import type { Reject } from '@synthfarm/output';
import { checkDatasetSource, openDatasetSource, type Source } from '@synthfarm/sources';
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

/** This process's source of dataset `d` (opened once per spec and dataset, on any worker). */
export function sourceFor(specKey: string, spec: Spec, d: number): Source {
  const k = `${specKey}#${d}`;
  let s = open.get(k);
  if (!s) open.set(k, (s = openDatasetSource(spec, spec.datasets[d]!)));
  return s;
}

/**
 * Reads records [start, start+count) of a source dataset: the batch is a source range, read by
 * whichever process runs it (DESIGN §9: batches carry ranges, never rows).
 */
export async function readSourceBatch(source: Source, spec: Spec, d: number, start: number, count: number): Promise<SourceBatch> {
  const ds = spec.datasets[d]!;
  const key = ds.source!.key;
  const rows: SourceBatch['rows'] = new Array(count).fill(null);
  const keys: unknown[] = new Array(count).fill(undefined);
  const rejects: Reject[] = [];
  const seen = new Set<number>();
  for await (const item of source.read({ start, end: start + count })) {
    const k = item.row - start;
    if (k < 0 || k >= count) continue;
    seen.add(k);
    if (!item.ok) {
      rejects.push({ dataset: ds.name, index: item.row, reason: 'malformed_row', error: item.reason, source: ds.source!.from, ...(item.line !== undefined ? { line: item.line } : {}) });
      continue;
    }
    rows[k] = item.values as Record<string, unknown>;
    keys[k] = normalizeKey(item.values[key]);
  }
  for (let k = 0; k < count; k++) {
    if (!seen.has(k)) rejects.push({ dataset: ds.name, index: start + k, reason: 'missing_row', error: `${source.label} has no row ${start + k} (did it shrink during the run?)`, source: ds.source!.from });
  }
  return { rows, keys, rejects };
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
  for (const ds of spec.datasets) {
    if (!ds.source) continue;
    const source = openDatasetSource(spec, ds);
    try {
      ds.count = await checkDatasetSource(source, ds);
    } finally {
      await source.close().catch(() => undefined);
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
