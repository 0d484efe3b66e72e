import type { Reject } from '@synthfarm/output';
import type { RoutingDecision } from '@synthfarm/engine';
import type { BackendStats } from '@synthfarm/llm';
import type { AuditSummary } from '@synthfarm/stages';

/** Per-backend accounting a batch adds to its run: the summable part of the backend's stats. */
export type BackendDelta = Pick<BackendStats, 'calls' | 'failures' | 'retries' | 'cacheHits' | 'tokensIn' | 'tokensOut' | 'cost'>;

/** What a worker leaves for the aggregator: finished lines, not records. */
export interface BatchOutput {
  /** Lines per output format, already encoded, in record order. */
  lines: Partial<Record<'csv' | 'jsonl', string>>;
  /** Records written (lines per format). */
  rows: number;
  rejects: Reject[];
  /** Per referenced field, the values of the written records, in order. */
  refValues: unknown[][];
  routing: RoutingDecision[];
  /** This batch's enrich/audit figures, when the spec has an enrich stage. */
  audit?: AuditSummary;
  host: string;
  busyMs: number;
  backends: Record<string, BackendDelta>;
}
