import type { SinkFile } from '@synthfarm/output';
import type { BudgetSummary } from './run-budget.js';
import type { EstimateReport } from './run-estimate.js';
import type { RoutingSummary } from '@synthfarm/routing';

/** How a run ended. */
export type RunStatus = 'completed' | 'failed' | 'budget_exceeded' | 'cancelled';

export interface DatasetManifest {
  requested: number;
  written: number;
  rejected: number;
  /** Records changed to keep `unique` fields distinct. */
  uniqueRedraws: number;
  /**
   * `refill: true` only: records generated past `requested` to replace rejected ones (indices
   * requested, requested+1, …). `written + rejected = requested + refilled`; `written = requested`
   * unless the refill cap was reached (then the run fails, REFILL_EXHAUSTED).
   */
  refilled?: number;
  /**
   * Failed runs only: records neither in a data file nor in rejects.jsonl because the run failed
   * (a failed run publishes no data files). `written + rejected + failed = requested` always.
   */
  failed?: number;
  files: SinkFile[];
}

/** A routing decision with its reason (DESIGN §8). */
export interface RoutingDecision {
  dataset: string;
  batch: number;
  backend: string;
  reason: string;
}

/** manifest.json (DESIGN §5). Secrets never appear in it: backends are listed by name and figures. */
export interface Manifest {
  runId: string;
  status: RunStatus;
  mode: 'embedded' | 'farm';
  seed: number;
  specSha256: string;
  /** True when llm fields were filled procedurally (`--offline`). */
  offline: boolean;
  startedAt: string;
  finishedAt: string;
  datasets: Record<string, DatasetManifest>;
  rejects: Omit<SinkFile, 'format'> & { format: 'jsonl' };
  backends: Record<string, unknown>;
  /**
   * Farm mode: per worker host, what its committed batches made (records, output tokens, model
   * time in ms). Work a worker did and that was redone elsewhere is not counted.
   */
  hosts?: Record<string, { records: number; tokensOut: number; busyMs: number }>;
  /** The run's event log (`events.jsonl`), published with the other files. */
  events?: Omit<SinkFile, 'format'>;
  /**
   * The run's report (DESIGN §10): `report.html`, and the summaries it is drawn from
   * (`report-data.json`, for `synthfarm report` to draw it again). Absent when it could not be written.
   */
  report?: { path: string; data: string };
  /** lineage.jsonl: output row → source key (transform runs with `output.lineage`). */
  lineage?: Omit<SinkFile, 'format'>;
  routing: RoutingDecision[];
  /**
   * The decision engine's record: policies, routing window, starting weights' hash, this run's
   * figures per route (pass rate, cost per accepted value, shadow and ensemble agreement), routes
   * whose pass rate fell below their history, and `decisions.jsonl`.
   */
  decisions?: RoutingSummary & { file?: Omit<SinkFile, 'format'> };
  audit?: unknown;
  /** The run's caps and what its committed batches cost against them (when it has any cap). */
  budget?: BudgetSummary;
  /** The plan's estimate (calls, tokens, cost) against what the run made, with the relative errors. */
  estimate?: EstimateReport;
  timings: { totalMs: number; datasetsMs: Record<string, number> };
  error?: { code: string; message: string };
}
