import type { Reject } from '@synthfarm/output';
import type { RoutingDecision } from '@synthfarm/engine';
import type { AuditSummary } from '@synthfarm/stages';

/** Per-backend accounting deltas a batch adds to its run. */
export interface BackendDelta {
  calls: number;
  failures: number;
  retries: number;
  cacheHits: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
}

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
