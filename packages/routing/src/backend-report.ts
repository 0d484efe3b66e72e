import type { ModelRegistry } from './registry.js';
import { SPOT_CHECK, type RouteVerdict } from './route-plan.js';

/** The parts of a run's events `synthfarm backends` reads (events.jsonl lines). */
export type ReportEvent =
  | { type: 'backend_call'; backend: string; latencyMs: number; cost: number; cacheHit: boolean; ok: boolean }
  | { type: 'routing_decision'; dataset?: string; step?: number | undefined; fields?: string[] | undefined; policy?: string | undefined; verdicts?: RouteVerdict[] | undefined }
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
  /**
   * USD per accepted record: what the backend spent writing values in generate stages (repairs,
   * and attempts that escalated away from it, included) over the records its kept values make up —
   * kept values ÷ the dataset's generated model fields per record (a fixed stage keeps whole
   * records: its share of them). Enrich and validate stages' spot-checks are left out.
   */
  costPerAcceptedRecord: number | null;
  /** USD per kept value (record × field), the same spending over the values alone. */
  costPerAcceptedValue: number | null;
  runs: number;
}

/**
 * Folds past runs' events into the registry's rows. `runs` is one event list per run read
 * (events.jsonl files under the output directory). A run's records are measured by its routing
 * decisions: each dataset's model fields per record are the fields its decisions name, by stage.
 */
export function backendReport(registry: ModelRegistry, runs: ReadonlyArray<Iterable<ReportEvent>>): BackendRow[] {
  const acc = new Map(registry.entries.map((e) => [e.name, { lat: [] as number[], cost: 0, asked: 0, passed: 0, values: 0, records: 0, vcost: 0, runs: 0 }]));
  for (const events of runs) {
    const seen = new Set<string>();
    // Per dataset, per stage: the model fields its decisions name (a record's share of a stage).
    const stageFields = new Map<string, Map<number, Set<string>>>();
    const verdicts: Array<{ dataset: string; step: number; v: RouteVerdict }> = [];
    for (const ev of events) {
      if (ev.type === 'backend_call') {
        const c = ev as Extract<ReportEvent, { type: 'backend_call' }>;
        const a = acc.get(c.backend);
        if (!a || c.cacheHit) continue;
        seen.add(c.backend);
        if (c.ok) a.lat.push(c.latencyMs);
        a.cost += c.cost;
      } else if (ev.type === 'routing_decision') {
        const r = ev as { dataset?: string; step?: number; fields?: string[]; policy?: string; verdicts?: RouteVerdict[] };
        // A spot-check's verdict counts sampled records judged, not values validated: its calls
        // are in the backend's spending (backend_call), not in its pass rate or per-record cost.
        if (!r.verdicts?.length || r.policy === SPOT_CHECK) continue;
        const dataset = r.dataset ?? '';
        const step = r.step ?? 0;
        const steps = stageFields.get(dataset) ?? new Map<number, Set<string>>();
        stageFields.set(dataset, steps);
        const fields = steps.get(step) ?? new Set<string>();
        steps.set(step, fields);
        for (const f of r.fields ?? r.verdicts.map((v) => v.field).filter((f) => f !== '*')) fields.add(f);
        for (const v of r.verdicts) verdicts.push({ dataset, step, v });
      }
    }
    for (const { dataset, step, v } of verdicts) {
      const a = acc.get(v.backend);
      // A judge writes no value: its calls are in the backend's spending, not in what its records cost.
      if (!a || v.judge) continue;
      const steps = stageFields.get(dataset)!;
      const perRecord = new Set([...steps.values()].flatMap((f) => [...f])).size || 1;
      const inStep = steps.get(step)?.size || 1;
      a.asked += v.asked;
      a.passed += v.passed;
      // `*`: a fixed stage's verdict counts whole records of that stage.
      a.values += v.field === '*' ? v.accepted * inStep : v.accepted;
      a.records += (v.field === '*' ? v.accepted * inStep : v.accepted) / perRecord;
      a.vcost += v.cost;
    }
    for (const n of seen) acc.get(n)!.runs++;
  }
  const per = (cost: number, n: number) => (n > 0 ? Number((cost / n).toPrecision(4)) : null);
  return registry.entries.map((e) => {
    const a = acc.get(e.name)!;
    const lat = a.lat.sort((x, y) => x - y);
    const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : null);
    return {
      name: e.name, provider: e.provider, model: e.model, tier: e.tier, costPer1kInput: e.costPer1kInput, costPer1kOutput: e.costPer1kOutput, hosts: e.hosts,
      calls: lat.length, latencyMsP50: q(0.5), latencyMsP95: q(0.95),
      passRate: a.asked ? Number((a.passed / a.asked).toFixed(4)) : null,
      costPerAcceptedRecord: per(a.vcost, a.records),
      costPerAcceptedValue: per(a.vcost, a.values),
      runs: a.runs,
    };
  });
}
