import type { Queue } from 'bullmq';
import type { RunEvent, RunSummary } from './run-summary.js';
import type { ScheduleInfo } from './schedules.js';

/** What {@link FarmService.cancel} did. */
export type CancelResult = { outcome: 'not_found' } | { outcome: 'finished' | 'cancelled'; run: RunSummary };

/**
 * What the HTTP API needs of the farm. One implementation over Redis (`createFarmService`);
 * tests may pass a fake.
 */
export interface FarmService {
  /**
   * Validates a spec (YAML or JSON text) and starts a run; resolves with its id once queued.
   * Throws SpecError / UsageError (exit-2 errors, HTTP 400) for a bad spec.
   * @param outDir output directory, already checked to be inside the server's root.
   * @param outRoot that root: the coordinator creates `outDir` in it without following links,
   * so a link planted after the check cannot move the writes out of it.
   */
  submit(specText: string, opts: { source?: string; outDir: string; outRoot?: string }): Promise<{ runId: string }>;
  listRuns(limit?: number): Promise<RunSummary[]>;
  getRun(runId: string): Promise<RunSummary | undefined>;
  /** Calls `onEvent` on progress until the run ends; returns an unsubscribe function. */
  subscribe(runId: string, onEvent: (e: RunEvent) => void): () => void;
  /**
   * Ends a run (`DELETE /runs/:id`): what was not written becomes rejects with reason
   * `cancelled`. Resolves once the run has ended; `not_found` / `finished` touch nothing.
   */
  cancel(runId: string): Promise<CancelResult>;
  /** The BullMQ queues, for the dashboard. */
  queues(): Queue[];
  /** Jobs waiting/active/delayed/failed per queue, for metrics. */
  queueDepths(): Promise<Record<string, Record<string, number>>>;
  /** The schedules and their newest firings, for metrics. Optional: a service without schedules has none. */
  listSchedules?(): Promise<ScheduleInfo[]>;
  close(): Promise<void>;
}
