import { describe, expect, it } from 'vitest';
import type { FarmService, RunSummary } from '@synthfarm/farm';
import { createFarmMetrics } from './metrics.js';

/**
 * The exposition follows Prometheus' naming rules the way `promtool check metrics` reads them
 * (prom-client conventions): a counter's name ends in `_total`, a gauge's never does; and series
 * do not grow with the run history (finished runs are counted by state, not labelled by id).
 */

function run(id: string, state: RunSummary['state'], hosts: RunSummary['hosts'] = {}): RunSummary {
  return { runId: id, state, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', outDir: '/o', specSha256: 'x', total: 10, done: 5, written: 5, rejected: 0, costUsd: 0, hosts };
}

function service(runs: RunSummary[]): FarmService {
  return { listRuns: async () => runs, queueDepths: async () => ({ 'batches-code': { waiting: 1 } }) } as unknown as FarmService;
}

/** `# TYPE name kind` lines, and sample lines by metric name. */
function parse(text: string): { types: Map<string, string>; samples: Array<{ name: string; labels: string; value: number }> } {
  const types = new Map<string, string>();
  const samples: Array<{ name: string; labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (s) samples.push({ name: s[1]!, labels: s[2] ?? '', value: Number(s[3]) });
  }
  return { types, samples };
}

describe('/metrics exposition', () => {
  it('counters end in _total and nothing else does; every sample has a TYPE', async () => {
    const text = await createFarmMetrics(service([run('r1', 'running')])).scrape();
    const { types, samples } = parse(text);
    // Ours; prom-client's default process metrics keep their stock names (nodejs_active_resources_total is its own gauge).
    for (const [name, kind] of [...types].filter(([n]) => n.startsWith('synthfarm_'))) {
      if (kind === 'counter') expect(name, `counter ${name}`).toMatch(/_total$/);
      else expect(name, `${kind} ${name}`).not.toMatch(/_total$/);
    }
    for (const s of samples) {
      const family = [...types.keys()].find((n) => s.name === n || s.name.startsWith(`${n}_`));
      expect(family, `TYPE of ${s.name}`).toBeDefined();
    }
    expect(types.get('synthfarm_run_records')).toBe('gauge');
  });

  it('series stay bounded: only runs in flight are labelled by id, however many runs finished', async () => {
    const finished = Array.from({ length: 40 }, (_, i) => run(`done-${i}`, i % 2 ? 'completed' : 'failed'));
    const text = await createFarmMetrics(service([run('r1', 'running'), run('q1', 'queued'), ...finished])).scrape();
    const ids = new Set([...text.matchAll(/run="([^"]+)"/g)].map((m) => m[1]));
    expect([...ids].sort()).toEqual(['q1', 'r1']);
    expect(text).toContain('synthfarm_runs{state="completed"} 20');
    expect(text).toContain('synthfarm_runs{state="failed"} 20');
  });

  it('synthfarm_host_circuit_open follows the hosts\' state in running runs', async () => {
    const text = await createFarmMetrics(service([run('r1', 'running', {
      gpu1: { records: 1, tokensOut: 1, busyMs: 1, recordsPerSec: 1, circuit: 'open' },
      gpu2: { records: 1, tokensOut: 1, busyMs: 1, recordsPerSec: 1, circuit: 'closed' },
    })])).scrape();
    expect(text).toContain('synthfarm_host_circuit_open{host="gpu1"} 1');
    expect(text).toContain('synthfarm_host_circuit_open{host="gpu2"} 0');
  });

  it('schedules: last success (0 when none), last run and whether it was clean; a removed schedule drops out', async () => {
    let schedules = [
      { name: 'nightly', lastSuccessAt: '2026-01-02T02:00:00.000Z', last: { at: '2026-01-03T02:00:00.000Z', endedAt: '2026-01-03T02:01:00.000Z', status: 'completed', code: 1, written: 9, rejected: 1 } },
      { name: 'hourly', last: { at: '2026-01-03T03:00:00.000Z', endedAt: '2026-01-03T03:00:05.000Z', status: 'failed', code: 1, written: 0, rejected: 0 } },
      { name: 'fresh' },
    ];
    const svc = { ...service([]), listSchedules: async () => schedules } as unknown as FarmService;
    const metrics = createFarmMetrics(svc);
    const { samples } = parse(await metrics.scrape());
    const of = (name: string) => Object.fromEntries(samples.filter((s) => s.name === name).map((s) => [s.labels, s.value]));
    expect(of('synthfarm_schedule_last_success_timestamp')).toEqual({ '{schedule="nightly"}': Date.parse('2026-01-02T02:00:00Z') / 1000, '{schedule="hourly"}': 0, '{schedule="fresh"}': 0 });
    expect(of('synthfarm_schedule_last_run_timestamp')).toEqual({ '{schedule="nightly"}': Date.parse('2026-01-03T02:00:00Z') / 1000, '{schedule="hourly"}': Date.parse('2026-01-03T03:00:00Z') / 1000 });
    expect(of('synthfarm_schedule_last_run_ok')).toEqual({ '{schedule="nightly"}': 0, '{schedule="hourly"}': 0 });
    schedules = schedules.filter((s) => s.name === 'fresh');
    const again = parse(await metrics.scrape()).samples.filter((s) => s.name.startsWith('synthfarm_schedule_'));
    expect(again.map((s) => `${s.name}${s.labels}`)).toEqual(['synthfarm_schedule_last_success_timestamp{schedule="fresh"}']);
  });
});
