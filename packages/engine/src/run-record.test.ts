import { describe, expect, it } from 'vitest';
import { emptyRunRecord, foldEvents, hostSummaries, LATENCY_RESERVOIR, manifestBackend, runRates } from './run-record.js';
import { RunEventSchema, type RunEvent } from './run-events.js';

const T0 = 1_700_000_000_000;
const running = (at: number): RunEvent => ({ type: 'run_state', at, state: 'running' });
const commit = (at: number, batch: number, host: string, records = 50): RunEvent => ({ type: 'batch_committed', at, dataset: 'people', batch, records, written: records, rejected: 0, tokensOut: 100, host, busyMs: 500 });
const fold = (events: RunEvent[]) => events.reduce(foldEvents, emptyRunRecord());

describe('foldEvents: the run record', () => {
  it('no rate before the first commit, whatever workers did; then records/s and tok/s of committed batches', () => {
    const r = fold([running(T0)]);
    expect(runRates(r, 1000)).toEqual({});
    expect(hostSummaries(r)).toEqual({});
    foldEvents(r, commit(T0 + 2000, 0, 'gpu1'));
    foldEvents(r, commit(T0 + 5000, 1, 'gpu2'));
    expect(runRates(r, 1000)).toEqual({ recordsPerSec: 20, tokensPerSec: 40, etaSeconds: 45 });
    expect(hostSummaries(r).gpu1).toMatchObject({ records: 50, recordsPerSec: 10, circuit: 'closed' });
  });

  it('a resume (a second run_state running) restarts the rate; hosts keep counting committed batches only', () => {
    // Before the coordinator died: batches 0 and 1. The resumed one rereads them, then commits 2.
    const r = fold([running(T0), commit(T0 + 1000, 0, 'gpu1'), commit(T0 + 2000, 1, 'gpu2'), running(T0 + 60_000)]);
    expect(runRates(r, 200)).toEqual({});
    foldEvents(r, commit(T0 + 62_000, 2, 'gpu1'));
    expect(r.done).toBe(150);
    expect(Object.values(r.hosts).reduce((n, h) => n + h.records, 0)).toBe(r.done);
    expect(runRates(r, 200).recordsPerSec).toBe(25);
  });

  it('host_state events set the circuit; the latest by time wins though events of two processes interleave', () => {
    const r = fold([
      { type: 'host_state', at: T0 + 10, host: 'http://a:1', state: 'circuit_open', backend: 'fast', worker: 'gpu1' },
      { type: 'host_state', at: T0 + 5, host: 'http://a:1', state: 'up', backend: 'fast', worker: 'gpu1' },
    ]);
    expect(hostSummaries(r).gpu1!.circuit).toBe('open');
    expect(manifestBackend(r.backends.fast!).hosts['http://a:1']!.circuit).toBe('open');
    foldEvents(r, { type: 'host_state', at: T0 + 20, host: 'http://a:1', state: 'half_open', worker: 'gpu1' });
    expect(hostSummaries(r).gpu1!.circuit).toBe('half-open');
  });

  it('backend calls: cache hits are not calls, failures and retries counted, latency kept in bounded memory', () => {
    const call = (i: number, over: Partial<Extract<RunEvent, { type: 'backend_call' }>> = {}): RunEvent => ({
      type: 'backend_call', at: T0 + i, backend: 'fast', host: 'http://a:1', tokensIn: 10, tokensOut: 20, cost: 0.5, latencyMs: i % 100, cacheHit: false, ok: true, retries: 0,
      attempts: [{ host: 'http://a:1', ok: true, tokensOut: 20, busyMs: 3 }], ...over,
    });
    const events = Array.from({ length: 5000 }, (_, i) => call(i));
    events.push(call(1, { cacheHit: true, tokensIn: 0, tokensOut: 0, cost: 0 }), call(2, { ok: false, retries: 2, tokensIn: 0, tokensOut: 0, cost: 0, attempts: [{ host: 'http://b:1', ok: false, tokensOut: 0, busyMs: 7 }] }));
    const r = fold(events);
    const b = r.backends.fast!;
    expect(b.latency.values.length).toBe(LATENCY_RESERVOIR);
    // The quantiles are those of the most recent successful calls.
    const recent = Array.from({ length: LATENCY_RESERVOIR }, (_, k) => (5000 - LATENCY_RESERVOIR + k) % 100).sort((x, y) => x - y);
    const nearestRank = (q: number) => recent[Math.ceil(q * recent.length) - 1];
    expect(manifestBackend(b)).toMatchObject({ calls: 5001, failures: 1, retries: 2, cacheHits: 1, tokensIn: 50_000, tokensOut: 100_000, cost: 2500, latencyMs: { p50: nearestRank(0.5), p95: nearestRank(0.95) } });
    expect(manifestBackend(b).hosts['http://b:1']).toMatchObject({ calls: 1, failures: 1, busyMs: 7 });
  });

  it('every event type round-trips the schema (what events.jsonl holds)', () => {
    const all: RunEvent[] = [
      running(T0), commit(T0, 0, 'gpu1'),
      { type: 'routing_decision', at: T0, dataset: 'people', batch: 0, backend: 'fast', reason: 'fixed' },
      { type: 'audit_verdict', at: T0, dataset: 'people', batch: 0, sampled: 5, enrichFailures: 0, audited: 5, defects: 1, auditErrors: 0 },
      { type: 'reject', at: T0, dataset: 'people', batch: 0, count: 2, reasons: { invalid_record: 2 } },
      { type: 'host_state', at: T0, host: 'gpu1', state: 'cooldown' },
    ];
    for (const e of all) expect(RunEventSchema.parse(JSON.parse(JSON.stringify(e)))).toEqual(e);
    expect(() => RunEventSchema.parse({ type: 'batch_committed', at: T0 })).toThrow();
  });
});
