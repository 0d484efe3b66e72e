import type { ModelRegistry } from './registry.js';
import type { RouteVerdict } from './route-plan.js';

/** The parts of a run's events `synthfarm backends` reads (events.jsonl lines). */
export type ReportEvent =
  | { type: 'backend_call'; backend: string; latencyMs: number; cost: number; cacheHit: boolean; ok: boolean }
  | { type: 'routing_decision'; verdicts?: RouteVerdict[] | undefined }
  | { type: string };

/** One row of `synthfarm backends`: the registry's entry and what past runs measured. */
export interface BackendRow {
  name: string;
  provider: string;
  model: string;
  tier: number;
  costPer1kInput: number;
  costPer1kOutput: number;
  hosts: string[];
  /** Calls made (cache hits apart) in the runs read. */
  calls: number;
  latencyMsP50: number | null;
  latencyMsP95: number | null;
  /** Share of attempts (record × field) whose value passed validation. */
  passRate: number | null;
  /** USD per value this backend wrote that was kept, repairs included. */
  costPerAccepted: number | null;
  runs: number;
}

/**
 * Folds past runs' events into the registry's rows. `runs` is one event list per run read
 * (events.jsonl files under the output directory).
 */
export function backendReport(registry: ModelRegistry, runs: ReadonlyArray<Iterable<ReportEvent>>): BackendRow[] {
  const acc = new Map(registry.entries.map((e) => [e.name, { lat: [] as number[], cost: 0, asked: 0, passed: 0, accepted: 0, vcost: 0, runs: 0 }]));
  for (const events of runs) {
    const seen = new Set<string>();
    for (const ev of events) {
      if (ev.type === 'backend_call') {
        const c = ev as Extract<ReportEvent, { type: 'backend_call' }>;
        const a = acc.get(c.backend);
        if (!a || c.cacheHit) continue;
        seen.add(c.backend);
        if (c.ok) a.lat.push(c.latencyMs);
        a.cost += c.cost;
      } else if (ev.type === 'routing_decision') {
        for (const v of (ev as { verdicts?: RouteVerdict[] }).verdicts ?? []) {
          const a = acc.get(v.backend);
          if (!a) continue;
          a.asked += v.asked;
          a.passed += v.passed;
          a.accepted += v.accepted;
          a.vcost += v.cost;
        }
      }
    }
    for (const n of seen) acc.get(n)!.runs++;
  }
  return registry.entries.map((e) => {
    const a = acc.get(e.name)!;
    const lat = a.lat.sort((x, y) => x - y);
    const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : null);
    return {
      name: e.name, provider: e.provider, model: e.model, tier: e.tier, costPer1kInput: e.costPer1kInput, costPer1kOutput: e.costPer1kOutput, hosts: e.hosts,
      calls: lat.length, latencyMsP50: q(0.5), latencyMsP95: q(0.95),
      passRate: a.asked ? Number((a.passed / a.asked).toFixed(4)) : null,
      costPerAccepted: a.accepted ? Number(((a.vcost || a.cost) / a.accepted).toPrecision(4)) : null,
      runs: a.runs,
    };
  });
}
