import { performance } from 'node:perf_hooks';

/** Kinds of injected fault counted in {@link SimStats.faults}. */
export type FaultKind = 'error' | 'malformed' | 'hang' | 'drop' | 'missingModel';

/** A snapshot of what the simulated host did since it started or since the last `reset()`. */
export interface SimStats {
  /** Requests received per endpoint, keyed `METHOD /path` (e.g. `POST /api/chat`); unknown routes count as `other`. */
  requests: Record<string, number>;
  /** Answers per HTTP status (`"200"`, `"503"`, ...); `"0"` counts connections closed without a status line. */
  statuses: Record<string, number>;
  /** Slot-milliseconds spent holding a slot (prompt evaluation + generation + hangs), including slots held now. */
  busySlotMs: number;
  /** Milliseconds since start or the last reset. */
  elapsedMs: number;
  /** Slots of the host. */
  slots: number;
  /** busySlotMs / (slots × elapsedMs), 0..1. */
  utilization: number;
  /** Prompt tokens evaluated (ceil(chars / 4) per prompt). */
  tokensIn: number;
  /** Output tokens generated. */
  tokensOut: number;
  /** Generations that ran to the end (streamed or not), faults aside. */
  completed: number;
  /** Injected faults by kind, and their total. */
  faults: Record<FaultKind, number> & { total: number };
  /** Peak number of slots in use at once. */
  maxConcurrent: number;
  /** Peak number of requests waiting for a slot. */
  maxQueued: number;
  /** Requests refused with 503 "server busy" because the queue was full. */
  rejectedBusy: number;
  /** Slots in use now. */
  active: number;
  /** Requests waiting for a slot now. */
  queued: number;
}

/** Counters owned by the server; slot figures come from the slot pool when a snapshot is taken. */
export class StatsCollector {
  requests: Record<string, number> = {};
  statuses: Record<string, number> = {};
  tokensIn = 0;
  tokensOut = 0;
  completed = 0;
  faults: Record<FaultKind, number> = { error: 0, malformed: 0, hang: 0, drop: 0, missingModel: 0 };
  startedAt = performance.now();

  /** Counts one request to `route` (`METHOD /path`). */
  countRequest(route: string): void {
    this.requests[route] = (this.requests[route] ?? 0) + 1;
  }

  /** Counts one answer by HTTP status (0: the connection closed before a status line). */
  countStatus(status: number): void {
    const key = String(status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
  }

  /** Counts one injected fault. */
  countFault(kind: FaultKind): void {
    this.faults[kind]++;
  }

  /** Zeroes every counter and restarts the elapsed-time window. */
  reset(): void {
    this.requests = {};
    this.statuses = {};
    this.tokensIn = 0;
    this.tokensOut = 0;
    this.completed = 0;
    this.faults = { error: 0, malformed: 0, hang: 0, drop: 0, missingModel: 0 };
    this.startedAt = performance.now();
  }
}
