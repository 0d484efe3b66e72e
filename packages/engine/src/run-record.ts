import type { BackendStats, CircuitStateName } from '@synthfarm/llm';
import type { RunEvent, HostStateEvent } from './run-events.js';

/** Latencies kept per backend and host for p50/p95: the most recent ones, so memory stays bounded. */
export const LATENCY_RESERVOIR = 1024;

/** A ring of the latest values (bounded memory whatever the run's length). */
export interface Reservoir {
  values: number[];
  next: number;
}

/** A host's circuit as the manifest, `status` and `/metrics` show it (the breaker's own states). */
export type CircuitName = CircuitStateName;

export interface HostTotals {
  /** Attempts sent to this host (every retry counts). */
  calls: number;
  failures: number;
  tokensOut: number;
  /** Slot time of its attempts, in milliseconds. */
  busyMs: number;
  latency: Reservoir;
  circuit: CircuitName;
  /** `at` of the host_state event that set `circuit` (events of several processes arrive out of order). */
  circuitAt: number;
}

export interface BackendTotals {
  /** `generate` calls (a call with retries counts once; cache hits are not calls). */
  calls: number;
  failures: number;
  retries: number;
  cacheHits: number;
  tokensIn: number;
  tokensOut: number;
  cost: number;
  latency: Reservoir;
  hosts: Record<string, HostTotals>;
}

/** A worker host of a farm run (the batches it made that were committed), or a backend host's state. */
export interface RunHostTotals {
  /** Records of committed batches this host made (work later redone elsewhere is not counted). */
  records: number;
  tokensOut: number;
  busyMs: number;
  /** Records since this coordinator session started (for the rate). */
  sessionRecords: number;
  circuit: CircuitName;
  circuitAt: number;
}

/**
 * What a run's events add up to: a pure fold ({@link foldEvents}), the same in both modes and
 * after a resume (rebuilt from the events file). JSON-serializable: a farm coordinator stores it
 * in Redis for `status`, SSE and `/metrics`.
 */
export interface RunRecord {
  /** `at` of the first run_state running (the run's start). */
  startedAt?: number;
  /** `at` of the latest run_state running: this coordinator session (a resume starts a new one). */
  sessionAt?: number;
  state?: string;
  done: number;
  written: number;
  rejected: number;
  tokensOut: number;
  datasets: Record<string, { written: number; rejected: number; batches: number }>;
  backends: Record<string, BackendTotals>;
  hosts: Record<string, RunHostTotals>;
  rejectReasons: Record<string, number>;
  routingDecisions: number;
  /** Rate over committed batches of this session: records and output tokens, first and last commit. */
  session: { records: number; tokensOut: number; lastCommitAt?: number };
}

export function emptyRunRecord(): RunRecord {
  return { done: 0, written: 0, rejected: 0, tokensOut: 0, datasets: {}, backends: {}, hosts: {}, rejectReasons: {}, routingDecisions: 0, session: { records: 0, tokensOut: 0 } };
}

function push(r: Reservoir, v: number): void {
  if (r.values.length < LATENCY_RESERVOIR) r.values.push(v);
  else r.values[r.next] = v;
  r.next = (r.next + 1) % LATENCY_RESERVOIR;
}

const newHost = (): HostTotals => ({ calls: 0, failures: 0, tokensOut: 0, busyMs: 0, latency: { values: [], next: 0 }, circuit: 'closed', circuitAt: 0 });
const newRunHost = (): RunHostTotals => ({ records: 0, tokensOut: 0, busyMs: 0, sessionRecords: 0, circuit: 'closed', circuitAt: 0 });
export const emptyBackendTotals = (): BackendTotals => ({ calls: 0, failures: 0, retries: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, cost: 0, latency: { values: [], next: 0 }, hosts: {} });

function circuitOf(s: HostStateEvent['state']): CircuitName {
  return s === 'up' ? 'closed' : s === 'half_open' ? 'half-open' : 'open';
}

/**
 * Adds one event to a run's record (mutates and returns `r`). Only `batch_committed` moves the
 * record counts: work a worker did and that was redone after a resume is never counted twice.
 */
export function foldEvents(r: RunRecord, e: RunEvent): RunRecord {
  switch (e.type) {
    case 'run_state':
      if (e.state === 'running') {
        r.startedAt ??= e.at;
        r.sessionAt = e.at;
        r.session = { records: 0, tokensOut: 0 };
        for (const h of Object.values(r.hosts)) h.sessionRecords = 0;
      }
      r.state = e.state;
      break;
    case 'batch_committed': {
      r.done += e.records;
      r.written += e.written;
      r.rejected += e.rejected;
      r.tokensOut += e.tokensOut;
      const d = (r.datasets[e.dataset] ??= { written: 0, rejected: 0, batches: 0 });
      d.written += e.written;
      d.rejected += e.rejected;
      d.batches++;
      r.session.records += e.records;
      r.session.tokensOut += e.tokensOut;
      r.session.lastCommitAt = e.at;
      if (e.host) {
        const h = (r.hosts[e.host] ??= newRunHost());
        h.records += e.records;
        h.sessionRecords += e.records;
        h.tokensOut += e.tokensOut;
        h.busyMs += e.busyMs ?? 0;
      }
      break;
    }
    case 'backend_call': {
      const b = (r.backends[e.backend] ??= emptyBackendTotals());
      if (e.cacheHit) {
        b.cacheHits++;
        break;
      }
      b.calls++;
      b.retries += e.retries;
      b.tokensIn += e.tokensIn;
      b.tokensOut += e.tokensOut;
      b.cost += e.cost;
      if (e.ok) push(b.latency, e.latencyMs);
      else b.failures++;
      for (const a of e.attempts ?? []) {
        const h = (b.hosts[a.host] ??= newHost());
        h.calls++;
        h.tokensOut += a.tokensOut;
        h.busyMs += a.busyMs;
        if (a.ok) push(h.latency, a.busyMs);
        else h.failures++;
      }
      break;
    }
    case 'routing_decision':
      r.routingDecisions++;
      break;
    case 'reject':
      r.rejected += e.batch === undefined ? e.count : 0;
      r.done += e.batch === undefined ? e.count : 0;
      if (e.batch === undefined) {
        const d = (r.datasets[e.dataset] ??= { written: 0, rejected: 0, batches: 0 });
        d.rejected += e.count;
      }
      for (const [why, n] of Object.entries(e.reasons)) r.rejectReasons[why] = (r.rejectReasons[why] ?? 0) + n;
      break;
    case 'host_state': {
      const c = circuitOf(e.state);
      if (e.backend) {
        const h = ((r.backends[e.backend] ??= emptyBackendTotals()).hosts[e.host] ??= newHost());
        if (e.at >= h.circuitAt) Object.assign(h, { circuit: c, circuitAt: e.at });
      }
      const rh = (r.hosts[e.worker ?? e.host] ??= newRunHost());
      if (e.at >= rh.circuitAt) Object.assign(rh, { circuit: c, circuitAt: e.at });
      break;
    }
    case 'audit_verdict':
      break;
  }
  return r;
}

/** Value at quantile `q` (0..1) of the values, nearest-rank; 0 when empty. */
export function quantile(r: Reservoir, q: number): number {
  if (!r.values.length) return 0;
  const sorted = [...r.values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
}

/** A backend as the manifest's `backends.<name>` shows it (DESIGN §5), the same in both modes: a backend's own stats, folded from the run's events. */
export type ManifestBackend = BackendStats;

export function manifestBackend(b: BackendTotals): ManifestBackend {
  return {
    calls: b.calls, failures: b.failures, retries: b.retries, cacheHits: b.cacheHits, tokensIn: b.tokensIn, tokensOut: b.tokensOut,
    cost: b.cost,
    latencyMs: { p50: quantile(b.latency, 0.5), p95: quantile(b.latency, 0.95) },
    hosts: Object.fromEntries(Object.entries(b.hosts).map(([url, h]) => [url, {
      calls: h.calls, failures: h.failures, tokensOut: h.tokensOut, busyMs: Math.round(h.busyMs),
      latencyMs: { p50: quantile(h.latency, 0.5), p95: quantile(h.latency, 0.95) }, circuit: h.circuit,
    }])),
  };
}

/** Rates of the current session, from committed batches only: undefined before its first commit. */
export interface RunRates {
  recordsPerSec?: number;
  tokensPerSec?: number;
  /** Seconds left at `recordsPerSec` for `total` records. */
  etaSeconds?: number;
}

export function runRates(r: RunRecord, total: number): RunRates {
  const last = r.session.lastCommitAt;
  if (last === undefined || r.sessionAt === undefined || r.session.records === 0) return {};
  const secs = Math.max(0.001, (last - r.sessionAt) / 1000);
  const recordsPerSec = r.session.records / secs;
  return {
    recordsPerSec: Math.round(recordsPerSec * 10) / 10,
    tokensPerSec: Math.round((r.session.tokensOut / secs) * 10) / 10,
    etaSeconds: Math.round(Math.max(0, total - r.done) / recordsPerSec),
  };
}

/** A worker host of a run as `status` shows it (committed batches only). */
export interface HostSummary {
  records: number;
  tokensOut: number;
  busyMs: number;
  /** Records per second this session; 0 before its first commit. */
  recordsPerSec: number;
  circuit: CircuitName;
}

export function hostSummaries(r: RunRecord): Record<string, HostSummary> {
  const last = r.session.lastCommitAt;
  const secs = last !== undefined && r.sessionAt !== undefined ? Math.max(0.001, (last - r.sessionAt) / 1000) : undefined;
  return Object.fromEntries(Object.entries(r.hosts).map(([h, t]) => [h, {
    records: t.records, tokensOut: t.tokensOut, busyMs: Math.round(t.busyMs),
    recordsPerSec: secs ? Math.round((t.sessionRecords / secs) * 10) / 10 : 0,
    circuit: t.circuit,
  }]));
}
