import type { BackendStats } from '@synthfarm/llm';
import type { RouteVerdict } from '@synthfarm/routing';
import type { Format, Reject } from '@synthfarm/output';
import type { AuditSummary } from './audit-summary.js';
import type { RoutingDecision } from './manifest.js';
import { packLines, type PackedLines } from './packed-lines.js';
import type { RunEvent } from './run-events.js';
import type { BatchSummary } from '@synthfarm/report/batch-summary';
import { batchSummaryFromJson, batchSummaryToJson, type BatchSummaryJson } from '@synthfarm/report/batch-summary-json';

/** Per-backend accounting of one batch: the summable part of a backend's stats. */
export type BackendDelta = Pick<BackendStats, 'calls' | 'failures' | 'retries' | 'cacheHits' | 'tokensIn' | 'tokensOut' | 'cost'>;

/**
 * What the batch processor hands the committer, whichever executor ran it: one encoded line
 * per record offset ('' for a rejected one), the values later datasets reference, rejects, and
 * what the model stages decided. Code-only batches also carry their unique keys: the committer
 * admits them in record order and patches the lines it must (DESIGN §1, aggregator).
 */
export interface BatchOutput {
  count: number;
  /** Per format, line k = record start + k; a rejected record's line is ''. */
  lines: Partial<Record<Format, PackedLines>>;
  /** Offsets of rejected records (their reasons are in `rejects`). */
  dropped: number[];
  /** Per referenced field, one value per offset. */
  refValues: unknown[][];
  /** Unique-field keys of a code-only batch, `uniqueCount` per record, NaN for null. */
  keys?: ArrayLike<number>;
  /** Values of unique template fields ('' for other unique fields), laid out like `keys`. */
  templateValues?: PackedLines;
  rejects: Reject[];
  /** A source dataset's source key per offset (lineage, duplicates, the PostgreSQL sink). */
  sourceKeys?: unknown[];
  routing: RoutingDecision[];
  /** Per routed field and backend: the validator's verdicts and the cost (the committer hands them to the router). */
  verdicts?: RouteVerdict[];
  /** This batch's enrich/audit figures, when the spec has an enrich stage. */
  audit?: AuditSummary;
  /** The worker's host (farm mode), and its model time on this batch in ms. */
  host?: string;
  busyMs?: number;
  /** This batch's model calls, per backend. */
  backends: Record<string, BackendDelta>;
  /**
   * What the batch's model stages did, for the run's event log: its backend calls in the order
   * they were made, and host state changes seen meanwhile. The committer appends them when it
   * commits the batch.
   */
  events?: RunEvent[];
  /** The report's summary of the batch's written records (made where the records were). */
  summary?: BatchSummary;
  /** Lines the committer changed at admission (suffixed templates, redrawn records), by format and offset. */
  replaced?: Partial<Record<Format, Map<number, string>>>;
}

export function emptyDelta(): BackendDelta {
  return { calls: 0, failures: 0, retries: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, cost: 0 };
}

/** Records the batch writes. */
export function writtenRows(out: BatchOutput): number {
  return out.count - out.dropped.length;
}

/** A batch output as JSON text (typed arrays become plain arrays; NaN keys null; the report's summary its JSON form). */
export function batchOutputToJson(out: BatchOutput): string {
  const lines = Object.fromEntries(Object.entries(out.lines).map(([f, p]) => [f, { text: p!.text, ends: Array.from(p!.ends) }]));
  return JSON.stringify({
    ...out,
    lines,
    ...(out.keys ? { keys: Array.from(out.keys, (k) => (Number.isNaN(k) ? null : k)) } : {}),
    ...(out.templateValues ? { templateValues: { text: out.templateValues.text, ends: Array.from(out.templateValues.ends) } } : {}),
    ...(out.summary ? { summary: batchSummaryToJson(out.summary) } : {}),
  });
}

/** The inverse of {@link batchOutputToJson}. */
export function batchOutputFromJson(text: string): BatchOutput {
  type Wire = { text: string; ends: number[] };
  const raw = JSON.parse(text) as Omit<BatchOutput, 'lines' | 'keys' | 'templateValues' | 'summary'> & { lines: Record<string, Wire>; keys?: (number | null)[]; templateValues?: Wire; summary?: BatchSummaryJson };
  const packed = (p: Wire): PackedLines => ({ text: p.text, ends: Uint32Array.from(p.ends) });
  const { keys, templateValues, lines, summary, ...rest } = raw;
  return {
    ...rest,
    lines: Object.fromEntries(Object.entries(lines).map(([f, p]) => [f, packed(p)])),
    ...(keys ? { keys: Float64Array.from(keys, (k) => (k === null ? NaN : k)) } : {}),
    ...(templateValues ? { templateValues: packed(templateValues) } : {}),
    ...(summary ? { summary: batchSummaryFromJson(summary) } : {}),
  };
}

/** An output whose every record is rejected (a batch that failed for good). */
export function rejectedBatch(count: number, rejects: Reject[]): BatchOutput {
  return { count, lines: {}, dropped: Array.from({ length: count }, (_, k) => k), refValues: [], rejects, routing: [], backends: {} };
}

export { packLines };
