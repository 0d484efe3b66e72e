/**
 * The run's event log (events.jsonl, DESIGN §5) folded into what the report draws over time:
 * per backend and host calls, tokens, cost and latency; per worker host records and model time;
 * routing and other decisions; audit verdicts; rejects by reason. Bounded: time is cut into at
 * most MAX_BUCKETS buckets whose width doubles as the run goes on, and lists are capped.
 *
 * Events are read loosely (only the fields drawn), so a log with event types this package does
 * not know (a decision engine's `*decision*` events) still renders.
 */

/** Buckets of a time series at most; past it, the width doubles and neighbours merge. */
export const MAX_BUCKETS = 120;
/** Width of a bucket when a run starts, in milliseconds. */
const FIRST_BUCKET_MS = 250;
/** Decision events (and host state changes) kept to list on the page. */
export const MAX_LISTED = 200;

/** Per bucket sums of one series. */
export interface Series {
  calls: number[];
  failures: number[];
  tokensIn: number[];
  tokensOut: number[];
  cost: number[];
  /** Sum of latencies of the bucket's successful calls (mean = latencyMs / okCalls). */
  latencyMs: number[];
  okCalls: number[];
  /** Committed records (worker hosts) and model time in ms. */
  records: number[];
  busyMs: number[];
}

export interface Timeline {
  /** `at` of the first event (ms). */
  start?: number;
  end?: number;
  bucketMs: number;
  /** Calls by `backend` then host (the answering host URL; '' for cache hits). */
  backends: Record<string, Record<string, Series>>;
  cacheHits: Record<string, number>;
  /** Committed batches: all records (key ''), and by farm worker host. */
  committed: Record<string, Series>;
  routing: Record<string, Record<string, number>>;
  /** Events whose type names a decision (other than routing_decision), counted by type and listed (capped). */
  decisions: { counts: Record<string, number>; listed: Array<Record<string, unknown>> };
  audit: { batches: number; sampled: number; enrichFailures: number; audited: number; defects: number; auditErrors: number; regenerated: number; problems: string[] };
  rejects: Record<string, Record<string, number>>;
  hostStates: Array<{ at: number; host: string; state: string; worker?: string }>;
  runStates: Array<{ at: number; state: string; mode?: string }>;
}

export function emptyTimeline(): Timeline {
  return {
    bucketMs: FIRST_BUCKET_MS, backends: {}, cacheHits: {}, committed: {}, routing: {},
    decisions: { counts: {}, listed: [] },
    audit: { batches: 0, sampled: 0, enrichFailures: 0, audited: 0, defects: 0, auditErrors: 0, regenerated: 0, problems: [] },
    rejects: {}, hostStates: [], runStates: [],
  };
}

const SERIES_KEYS = ['calls', 'failures', 'tokensIn', 'tokensOut', 'cost', 'latencyMs', 'okCalls', 'records', 'busyMs'] as const;

function newSeries(): Series {
  return { calls: [], failures: [], tokensIn: [], tokensOut: [], cost: [], latencyMs: [], okCalls: [], records: [], busyMs: [] };
}

type Loose = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Folds one event into the timeline (mutates and returns `t`). */
export function foldTimeline(t: Timeline, e: Loose): Timeline {
  const at = num(e.at);
  const type = str(e.type);
  t.start ??= at;
  if (at < t.start) t.start = at;
  if (t.end === undefined || at > t.end) t.end = at;
  const bucket = () => {
    let k = Math.floor(Math.max(0, at - t.start!) / t.bucketMs);
    while (k >= MAX_BUCKETS) {
      widen(t);
      k = Math.floor(Math.max(0, at - t.start!) / t.bucketMs);
    }
    return k;
  };
  const add = (s: Series, key: (typeof SERIES_KEYS)[number], k: number, v: number) => {
    const a = s[key];
    while (a.length <= k) a.push(0);
    a[k]! += v;
  };
  switch (type) {
    case 'run_state':
      t.runStates.push({ at, state: str(e.state), ...(e.mode ? { mode: str(e.mode) } : {}) });
      if (t.runStates.length > MAX_LISTED) t.runStates.splice(1, 1);
      break;
    case 'backend_call': {
      const backend = str(e.backend);
      if (e.cacheHit) {
        t.cacheHits[backend] = (t.cacheHits[backend] ?? 0) + 1;
        break;
      }
      const k = bucket();
      const s = ((t.backends[backend] ??= {})[str(e.host)] ??= newSeries());
      add(s, 'calls', k, 1);
      add(s, 'tokensIn', k, num(e.tokensIn));
      add(s, 'tokensOut', k, num(e.tokensOut));
      add(s, 'cost', k, num(e.cost));
      if (e.ok === false) add(s, 'failures', k, 1);
      else {
        add(s, 'latencyMs', k, num(e.latencyMs));
        add(s, 'okCalls', k, 1);
      }
      for (const a of Array.isArray(e.attempts) ? (e.attempts as Loose[]) : []) add(s, 'busyMs', k, num(a.busyMs));
      break;
    }
    case 'batch_committed': {
      const k = bucket();
      const all = (t.committed[''] ??= newSeries());
      add(all, 'records', k, num(e.records));
      add(all, 'tokensOut', k, num(e.tokensOut));
      if (e.host) {
        const h = (t.committed[str(e.host)] ??= newSeries());
        add(h, 'records', k, num(e.records));
        add(h, 'tokensOut', k, num(e.tokensOut));
        add(h, 'busyMs', k, num(e.busyMs));
      }
      break;
    }
    case 'routing_decision': {
      const r = (t.routing[str(e.backend)] ??= {});
      const why = str(e.reason);
      r[why] = (r[why] ?? 0) + 1;
      break;
    }
    case 'audit_verdict': {
      const a = t.audit;
      a.batches++;
      a.sampled += num(e.sampled);
      a.enrichFailures += num(e.enrichFailures);
      a.audited += num(e.audited);
      a.defects += num(e.defects);
      a.auditErrors += num(e.auditErrors);
      if (e.regenerated !== undefined) a.regenerated++;
      for (const p of Array.isArray(e.problems) ? e.problems : []) if (a.problems.length < 20) a.problems.push(String(p).slice(0, 300));
      break;
    }
    case 'reject': {
      const r = (t.rejects[str(e.dataset)] ??= {});
      for (const [why, n] of Object.entries((e.reasons ?? {}) as Record<string, unknown>)) r[why] = (r[why] ?? 0) + num(n);
      break;
    }
    case 'host_state':
      if (t.hostStates.length < MAX_LISTED) t.hostStates.push({ at, host: str(e.host), state: str(e.state), ...(e.worker ? { worker: str(e.worker) } : {}) });
      break;
    default:
      if (type.includes('decision')) {
        t.decisions.counts[type] = (t.decisions.counts[type] ?? 0) + 1;
        if (t.decisions.listed.length < MAX_LISTED) t.decisions.listed.push(e);
      }
  }
  return t;
}

/** Doubles the bucket width, adding neighbouring buckets of every series together. */
function widen(t: Timeline): void {
  t.bucketMs *= 2;
  const halve = (a: number[]) => {
    const out: number[] = [];
    for (let i = 0; i < a.length; i += 2) out.push(a[i]! + (a[i + 1] ?? 0));
    a.splice(0, a.length, ...out);
  };
  const all = [...Object.values(t.backends).flatMap((h) => Object.values(h)), ...Object.values(t.committed)];
  for (const s of all) for (const key of SERIES_KEYS) halve(s[key]);
}
