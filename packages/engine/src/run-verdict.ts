import { ErrorCode } from '@synthfarm/core';
import type { DatasetManifest, Manifest } from './manifest.js';
import type { Spec } from '@synthfarm/spec';

/**
 * Datasets of a failed run, which publishes no data files: each one's records all counted as
 * `failed`, so `written + rejected + failed = requested` and the manifest claims nothing absent.
 */
export function failedDatasets(all: ReadonlyArray<{ name: string; count: number }>, seen: Record<string, DatasetManifest>): Record<string, DatasetManifest> {
  return Object.fromEntries(all.map((d) => [d.name, { requested: d.count, written: 0, rejected: 0, failed: d.count, uniqueRedraws: seen[d.name]?.uniqueRedraws ?? 0, files: [] }]));
}

/**
 * Marks a completed run `failed` (error TOO_MANY_REJECTS) when it rejected more than `maxRejects`
 * records; its files are still published, so the rejects can be read. Same rule in embedded and farm mode.
 */
export function applyMaxRejects(m: Manifest, maxRejects: number | undefined): void {
  if (m.status !== 'completed' || maxRejects === undefined) return;
  const ds = Object.values(m.datasets);
  const rejected = ds.reduce((n, d) => n + d.rejected, 0);
  if (rejected <= maxRejects) return;
  // Records tried: the refilled ones too.
  const total = ds.reduce((n, d) => n + d.requested + (d.refilled ?? 0), 0);
  m.status = 'failed';
  m.error = { code: ErrorCode.TooManyRejects, message: `${rejected} of ${total} records were rejected, more than --max-rejects allows (${maxRejects}); the reasons are in rejects.jsonl` };
}

/**
 * Marks a completed run `failed` (error REFILL_EXHAUSTED) when a `refill: true` dataset is still
 * short of its count after its cap of refilled records; its files are still published.
 */
export function applyRefillShortfall(m: Manifest, spec: Spec): void {
  if (m.status !== 'completed') return;
  for (const ds of spec.datasets) {
    const d = m.datasets[ds.name];
    if (!ds.refill || !d || d.written >= d.requested) continue;
    m.status = 'failed';
    m.error = { code: ErrorCode.RefillExhausted, message: `${ds.name}: refill tried ${d.refilled ?? 0} more records and is still ${d.requested - d.written} short of count ${d.requested} (at most count records are refilled); the reasons are in rejects.jsonl` };
    return;
  }
}
