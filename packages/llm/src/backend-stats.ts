import { callCost } from './pricing.js';
/** A host's circuit breaker as a manifest shows it. A host marked down by `check()` shows `open`. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

/** Accounting of one host of a backend. */
export interface HostStats {
  /** Attempts sent to this host (every retry counts). */
  calls: number;
  /** Attempts that failed on this host. */
  failures: number;
  /** Tokens this host generated. */
  tokensOut: number;
  /** Slot time this host's attempts took, in milliseconds (summed over slots). */
  busyMs: number;
  /** Duration of this host's successful attempts, in milliseconds, over its most recent ones. */
  latencyMs: { p50: number; p95: number };
  circuit: CircuitStateName;
}

/** Accounting of one backend, as the manifest's `backends.<name>` entry shows it (DESIGN §5). */
export interface BackendStats {
  /** `generate` calls (a call with retries counts once; cache hits are not calls). */
  calls: number;
  /** Calls that failed after all retries. */
  failures: number;
  /** Extra attempts made after a transient failure. */
  retries: number;
  /** Answers served from the response cache without a call (0 without a cache). */
  cacheHits: number;
  tokensIn: number;
  tokensOut: number;
  /** USD: tokensIn/1000*costPer1kInput + tokensOut/1000*costPer1kOutput. */
  cost: number;
  /** Wall time of successful calls, in milliseconds, over the most recent calls (see `reservoirSize`). */
  latencyMs: { p50: number; p95: number };
  /** Keyed by host URL (credentials removed). */
  hosts: Record<string, HostStats>;
}

/** Options of {@link createStatsRecorder}. */
export interface StatsRecorderOptions {
  /** USD per 1000 prompt tokens. Default 0. */
  costPer1kInput?: number;
  /** USD per 1000 generated tokens. Default 0. */
  costPer1kOutput?: number;
  /** How many recent latencies the percentiles are computed over (memory stays bounded). Default 2048. */
  reservoirSize?: number;
}

/** Mutable accounting behind {@link BackendStats}. One per backend; not shared across processes. */
export interface StatsRecorder {
  /** A call succeeded: its tokens and wall time. */
  callSucceeded(r: { tokensIn: number; tokensOut: number; latencyMs: number }): void;
  /** A call failed after all retries. */
  callFailed(): void;
  /** A retry was scheduled. */
  retried(): void;
  /** One attempt on one host finished. */
  attempt(host: string, r: { ok: boolean; tokensOut: number; busyMs: number }): void;
  /** A snapshot; `circuit` gives each host's breaker state at this moment. */
  snapshot(circuit: (host: string) => CircuitStateName): BackendStats;
}

/** Value at quantile `q` (0..1) of ascending-sorted numbers, nearest-rank; 0 when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** Builds the accounting of one backend whose hosts are `hosts` (labels, credentials removed). */
export function createStatsRecorder(hosts: readonly string[], opts: StatsRecorderOptions = {}): StatsRecorder {
  const size = opts.reservoirSize ?? 2048;
  // A ring of the latest latencies: percentiles follow the recent behaviour of the host and
  // memory does not grow with the run.
  const ring: number[] = [];
  let next = 0;
  const totals = { calls: 0, failures: 0, retries: 0, tokensIn: 0, tokensOut: 0 };
  type HostTotals = Omit<HostStats, 'circuit' | 'latencyMs'> & { ring: number[]; next: number };
  const perHost = new Map<string, HostTotals>();
  const newHost = (): HostTotals => ({ calls: 0, failures: 0, tokensOut: 0, busyMs: 0, ring: [], next: 0 });
  const hostRing = Math.max(64, size >> 2);
  for (const h of hosts) perHost.set(h, newHost());

  return {
    callSucceeded(r) {
      totals.calls++;
      totals.tokensIn += r.tokensIn;
      totals.tokensOut += r.tokensOut;
      if (ring.length < size) ring.push(r.latencyMs);
      else ring[next] = r.latencyMs;
      next = (next + 1) % size;
    },
    callFailed() {
      totals.calls++;
      totals.failures++;
    },
    retried() {
      totals.retries++;
    },
    attempt(host, r) {
      let h = perHost.get(host);
      if (!h) perHost.set(host, (h = newHost()));
      h.calls++;
      if (!r.ok) h.failures++;
      else {
        if (h.ring.length < hostRing) h.ring.push(r.busyMs);
        else h.ring[h.next] = r.busyMs;
        h.next = (h.next + 1) % hostRing;
      }
      h.tokensOut += r.tokensOut;
      h.busyMs += r.busyMs;
    },
    snapshot(circuit) {
      const sorted = [...ring].sort((a, b) => a - b);
      const hostsOut: Record<string, HostStats> = {};
      for (const [url, h] of perHost) {
        const lat = [...h.ring].sort((a, b) => a - b);
        hostsOut[url] = {
          calls: h.calls, failures: h.failures, tokensOut: h.tokensOut, busyMs: Math.round(h.busyMs),
          latencyMs: { p50: Math.round(percentile(lat, 0.5)), p95: Math.round(percentile(lat, 0.95)) },
          circuit: circuit(url),
        };
      }
      return {
        calls: totals.calls,
        failures: totals.failures,
        retries: totals.retries,
        cacheHits: 0,
        tokensIn: totals.tokensIn,
        tokensOut: totals.tokensOut,
        cost: callCost(opts, totals.tokensIn, totals.tokensOut),
        latencyMs: { p50: Math.round(percentile(sorted, 0.5)), p95: Math.round(percentile(sorted, 0.95)) },
        hosts: hostsOut,
      };
    },
  };
}
