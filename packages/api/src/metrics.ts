import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { FarmService, RunSummary } from '@synthfarm/farm';

/** The farm's Prometheus metrics on a registry of their own (never prom-client's global one). */
export interface FarmMetrics {
  readonly registry: Registry;
  /** Reads queue depths and runs from the service now and renders the exposition text. */
  scrape(): Promise<string>;
}

/** Run states whose runs are labelled by id: only runs in flight, so series do not grow with history. */
const ACTIVE: ReadonlySet<RunSummary['state']> = new Set(['queued', 'running']);

/** Per-host figures summed over the runs that are running now. */
interface HostTotals {
  recordsPerSec: number;
  tokensOut: number;
  busyMs: number;
  circuitOpen: boolean;
}

function hostTotals(runs: RunSummary[]): Map<string, HostTotals> {
  const hosts = new Map<string, HostTotals>();
  for (const run of runs) {
    if (run.state !== 'running') continue;
    for (const [host, h] of Object.entries(run.hosts)) {
      const t = hosts.get(host) ?? { recordsPerSec: 0, tokensOut: 0, busyMs: 0, circuitOpen: false };
      t.recordsPerSec += h.recordsPerSec;
      t.tokensOut += h.tokensOut;
      t.busyMs += h.busyMs;
      t.circuitOpen ||= h.circuit === 'open';
      hosts.set(host, t);
    }
  }
  return hosts;
}

/**
 * Builds the metrics. Values are read from the service on every scrape (no background polling):
 * - `synthfarm_queue_jobs{queue,state}` from `queueDepths()`;
 * - `synthfarm_runs{state}`: runs listed by `listRuns()` by state (a bounded label set);
 * - per run in flight (queued or running; finished runs drop out, so series stay bounded):
 *   `synthfarm_run_progress_ratio{run}` (done / total, 0..1) and
 *   `synthfarm_run_records{run,outcome=written|rejected}` (a gauge: no `_total` suffix, which
 *   Prometheus reserves for counters);
 * - per host, summed over running runs, from their records (committed batches, host_state
 *   events): `synthfarm_host_records_per_second`, `synthfarm_host_tokens_per_second` (output
 *   tokens per second of slot busy time), `synthfarm_host_circuit_open` (1 when the host's last
 *   state in any running run is a circuit open, down or cooldown);
 * - per schedule (named by the operator, so few), from its newest firings:
 *   `synthfarm_schedule_last_success_timestamp{schedule}` (Unix seconds of the start of the newest
 *   firing that completed with no rejects; 0 when none has), `synthfarm_schedule_last_run_timestamp{schedule}`
 *   and `synthfarm_schedule_last_run_ok{schedule}` (1 when the newest firing completed with no
 *   rejects, 0 when it failed or rejected records); a schedule that never fired has only the first;
 * - prom-client's default process metrics (`process_*`, `nodejs_*`).
 */
export function createFarmMetrics(service: FarmService): FarmMetrics {
  const registry = new Registry();
  // No prefix: stock Node.js dashboards look for process_* and nodejs_* by those names.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const queueJobs = new Gauge({ name: 'synthfarm_queue_jobs', help: 'Jobs in a BullMQ queue by state.', labelNames: ['queue', 'state'], registers });
  const progress = new Gauge({ name: 'synthfarm_run_progress_ratio', help: 'Records done (written or rejected) / requested, 0..1.', labelNames: ['run'], registers });
  const records = new Gauge({ name: 'synthfarm_run_records', help: 'Records of a queued or running run by outcome.', labelNames: ['run', 'outcome'], registers });
  const runsByState = new Gauge({ name: 'synthfarm_runs', help: 'Runs by state.', labelNames: ['state'], registers });
  const hostRecords = new Gauge({ name: 'synthfarm_host_records_per_second', help: 'Records per second a GPU host finishes, over running runs.', labelNames: ['host'], registers });
  const hostTokens = new Gauge({ name: 'synthfarm_host_tokens_per_second', help: 'Output tokens per second of slot busy time on a GPU host, over running runs.', labelNames: ['host'], registers });
  const scheduleSuccess = new Gauge({ name: 'synthfarm_schedule_last_success_timestamp', help: 'Unix time (seconds) the newest firing of a schedule that completed with no rejects started; 0 if none has.', labelNames: ['schedule'], registers });
  const scheduleRun = new Gauge({ name: 'synthfarm_schedule_last_run_timestamp', help: 'Unix time (seconds) the newest firing of a schedule started.', labelNames: ['schedule'], registers });
  const scheduleOk = new Gauge({ name: 'synthfarm_schedule_last_run_ok', help: '1 when the newest firing of a schedule completed with no rejects, 0 when it failed or rejected records.', labelNames: ['schedule'], registers });
  const hostCircuit = new Gauge({ name: 'synthfarm_host_circuit_open', help: '1 when the circuit breaker of a GPU host is open in a running run, else 0.', labelNames: ['host'], registers });

  async function scrape(): Promise<string> {
    const [depths, runs, schedules] = await Promise.all([service.queueDepths(), service.listRuns(), service.listSchedules?.() ?? []]);
    // Reset and set in one synchronous block: a concurrent scrape never sees a half-updated set,
    // and runs or hosts that are gone drop out instead of freezing at their last value.
    for (const g of [queueJobs, progress, records, runsByState, hostRecords, hostTokens, hostCircuit, scheduleSuccess, scheduleRun, scheduleOk]) g.reset();
    for (const [queue, states] of Object.entries(depths)) {
      for (const [state, n] of Object.entries(states)) queueJobs.set({ queue, state }, n);
    }
    for (const run of runs) {
      runsByState.inc({ state: run.state });
      if (!ACTIVE.has(run.state)) continue;
      progress.set({ run: run.runId }, run.total > 0 ? Math.min(1, run.done / run.total) : 0);
      records.set({ run: run.runId, outcome: 'written' }, run.written);
      records.set({ run: run.runId, outcome: 'rejected' }, run.rejected);
    }
    for (const [host, t] of hostTotals(runs)) {
      hostRecords.set({ host }, t.recordsPerSec);
      hostTokens.set({ host }, t.busyMs > 0 ? t.tokensOut / (t.busyMs / 1000) : 0);
      hostCircuit.set({ host }, t.circuitOpen ? 1 : 0);
    }
    const seconds = (iso: string) => Date.parse(iso) / 1000;
    for (const s of schedules) {
      scheduleSuccess.set({ schedule: s.name }, s.lastSuccessAt ? seconds(s.lastSuccessAt) : 0);
      if (!s.last) continue;
      scheduleRun.set({ schedule: s.name }, seconds(s.last.at));
      scheduleOk.set({ schedule: s.name }, s.last.code === 0 ? 1 : 0);
    }
    return registry.metrics();
  }

  return { registry, scrape };
}

/** `GET /metrics`: Prometheus text exposition of {@link createFarmMetrics}. */
export function registerMetricsRoute(app: FastifyInstance, metrics: FarmMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.scrape();
    return reply.header('Content-Type', metrics.registry.contentType).send(text);
  });
}
