/** Where a farm run is. `queued` until its coordinator starts; the rest as in the manifest. */
export type RunState = 'queued' | 'running' | 'completed' | 'failed' | 'budget_exceeded' | 'cancelled';

/** Throughput and health of one GPU host in a run, from the run's committed batches. */
export interface HostProgress {
  /** Records of committed batches this host made (written or rejected); work redone elsewhere is not counted. */
  records: number;
  tokensOut: number;
  /** Slot time spent generating, in milliseconds. */
  busyMs: number;
  /** Records per second of this host's committed batches (this coordinator session); 0 before the first commit. */
  recordsPerSec: number;
  circuit: 'closed' | 'open' | 'half-open';
}

/** A run as `synthfarm status`, `GET /runs/:id` and the dashboard show it. */
export interface RunSummary {
  runId: string;
  state: RunState;
  createdAt: string;
  updatedAt: string;
  /** Where the output files are written (on the coordinator's machine). */
  outDir: string;
  specSha256: string;
  /** Schedule that fired this run, if any. */
  schedule?: string;
  total: number;
  done: number;
  written: number;
  rejected: number;
  /** Dollars spent on model calls so far (priced backends; 0 for local models), from the workers' live counters. */
  costUsd: number;
  /** Records per second of committed batches (this coordinator session); undefined before the first commit. */
  recordsPerSec?: number;
  /** Output tokens per second of committed batches; undefined before the first commit. */
  tokensPerSec?: number;
  /** Seconds left at the current rate; undefined until there is a rate. */
  etaSeconds?: number;
  hosts: Record<string, HostProgress>;
  error?: string;
}

/** What a run's event stream carries (`GET /runs/:id/events`). */
export type RunEvent = { type: 'progress'; run: RunSummary } | { type: 'end'; run: RunSummary };
