import { SKETCH_GAMMA } from './batch-summary.js';
import type { ColumnSummary, DatasetSummary } from './dataset-summary.js';
import { HISTOGRAM_BINS, type ColumnPlan, type DatasetPlan } from './column-plan.js';
import type { Timeline } from './event-timeline.js';
import { estimateText } from './hll.js';
import type { ReportData } from './report-data.js';
import { expectedShares } from './target-curve.js';

/**
 * What the page draws, computed once from the manifest, the report data and the timeline. It is
 * computed in the browser: this module is bundled into report.html (scripts/page-model-script.mjs),
 * so it imports nothing of Node; the page's script only lays the model out (it never recomputes a
 * figure the manifest holds).
 */
export interface PageModel {
  run: Record<string, unknown>;
  datasets: DatasetView[];
  backends: Array<Record<string, unknown>>;
  timeline: {
    bucketSec: number;
    calls: Array<{ t: number; series: string; calls: number; failures: number; tokensOut: number; cost: number; latencyMs?: number; busySlots: number }>;
    committed: Array<{ t: number; host: string; recordsPerSec: number; busySlots: number }>;
  };
  routing: Array<{ backend: string; reason: string; count: number }>;
  decisions: Timeline['decisions'];
  audit: { manifest?: unknown; events: Timeline['audit'] };
  rejects: Array<{ dataset: string; reason: string; count: number }>;
  rejectExamples: ReportData['rejectExamples'];
  hosts: Array<Record<string, unknown>>;
  hostStates: Timeline['hostStates'];
  /** True when report-data.json was missing (an older run): no column plots. */
  noColumnData: boolean;
  /** True when the run failed and published no data: report-data.json holds no dataset's figures. */
  unpublished: boolean;
}

export interface ColumnView {
  path: string;
  field: string;
  type: ColumnPlan['type'];
  n: number;
  nulls: number;
  /** The spec's null rate. */
  targetNull: number;
  unique: boolean;
  distinct?: number;
  /** `distinct` is exact: the plan's allDistinct column (no sketch's estimate). */
  distinctExact?: boolean;
  fk?: { checked: number; missing: number; ref: string };
  mean?: number;
  sd?: number;
  min?: number;
  max?: number;
  under?: number;
  over?: number;
  hist?: Array<{ x0: number; x1: number; count: number; expected?: number }>;
  cats?: Array<{ value: string; count: number; target?: number }>;
  other?: number;
  lengths?: Array<{ length: number; count: number }>;
  len?: { min: number; max: number; mean: number };
  /** What the report checked against the spec, each with what it found. */
  checks: Check[];
}

/** A check of a column against its spec: the page's ✓ / ✗ at a glance. */
export interface Check {
  name: 'nulls' | 'distribution' | 'categories' | 'unique' | 'references';
  ok: boolean;
  detail: string;
}

export interface DatasetView {
  name: string;
  requested: number;
  written: number;
  rejected: number;
  uniqueRedraws: number;
  files: Array<{ path: string; format: string; rows: number; bytes: number }>;
  summarized: number;
  columns: ColumnView[];
  correlations: Array<{ a: string; b: string; r: number | null; target?: number }>;
}

type Loose = Record<string, any>;
const n0 = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function buildPageModel(manifest: Loose, data: ReportData | undefined, t: Timeline): PageModel {
  const mDatasets: Loose = manifest.datasets ?? {};
  const backends: Loose[] = Object.entries((manifest.backends ?? {}) as Loose).map(([name, b]) => ({ name, ...(b as Loose) }));
  const totals = (k: string) => backends.reduce((s, b) => s + n0(b[k]), 0);
  const requested = Object.values(mDatasets).reduce((s: number, d: Loose) => s + n0(d.requested), 0);
  const written = Object.values(mDatasets).reduce((s: number, d: Loose) => s + n0(d.written), 0);
  const rejected = Object.values(mDatasets).reduce((s: number, d: Loose) => s + n0(d.rejected), 0);
  const bySummary = new Map((data?.datasets ?? []).map((d) => [d.plan.name, d]));
  const datasets: DatasetView[] = Object.entries(mDatasets).map(([name, d]: [string, Loose]) => {
    const s = bySummary.get(name);
    return {
      name, requested: n0(d.requested), written: n0(d.written), rejected: n0(d.rejected), uniqueRedraws: n0(d.uniqueRedraws),
      files: ((d.files ?? []) as Loose[]).map((f) => ({ path: String(f.path), format: String(f.format), rows: n0(f.rows), bytes: n0(f.bytes) })),
      summarized: s?.summary.records ?? 0,
      columns: s ? s.plan.columns.map((c, i) => columnView(c, s.summary.columns[i])) : [],
      correlations: s ? correlations(s.plan, s.summary) : [],
    };
  });
  const bucketSec = t.bucketMs / 1000;
  const calls: PageModel['timeline']['calls'] = [];
  for (const [backend, hosts] of Object.entries(t.backends)) {
    for (const [host, s] of Object.entries(hosts)) {
      const series = host ? `${backend} @ ${host}` : backend;
      for (let k = 0; k < s.calls.length; k++) {
        const ok = s.okCalls[k] ?? 0;
        calls.push({
          t: k * bucketSec, series, calls: s.calls[k] ?? 0, failures: s.failures[k] ?? 0, tokensOut: s.tokensOut[k] ?? 0, cost: s.cost[k] ?? 0,
          ...(ok ? { latencyMs: (s.latencyMs[k] ?? 0) / ok } : {}), busySlots: (s.busyMs[k] ?? 0) / t.bucketMs,
        });
      }
    }
  }
  const committed: PageModel['timeline']['committed'] = [];
  for (const [host, s] of Object.entries(t.committed)) {
    for (let k = 0; k < s.records.length; k++) {
      committed.push({ t: k * bucketSec, host: host || 'all', recordsPerSec: (s.records[k] ?? 0) / bucketSec, busySlots: (s.busyMs[k] ?? 0) / t.bucketMs });
    }
  }
  const rejects = Object.entries(t.rejects).flatMap(([dataset, r]) => Object.entries(r).map(([reason, count]) => ({ dataset, reason, count })));
  return {
    run: {
      runId: manifest.runId, status: manifest.status, mode: manifest.mode, seed: manifest.seed, offline: !!manifest.offline,
      startedAt: manifest.startedAt, finishedAt: manifest.finishedAt, totalMs: n0(manifest.timings?.totalMs),
      requested, written, rejected, cost: totals('cost'), calls: totals('calls'), tokensIn: totals('tokensIn'), tokensOut: totals('tokensOut'),
      ...(manifest.error ? { error: manifest.error } : {}),
    },
    datasets,
    backends,
    timeline: { bucketSec, calls, committed },
    routing: Object.entries(t.routing).flatMap(([backend, r]) => Object.entries(r).map(([reason, count]) => ({ backend, reason, count }))),
    decisions: t.decisions,
    audit: { ...(manifest.audit ? { manifest: manifest.audit } : {}), events: t.audit },
    rejects,
    rejectExamples: data?.rejectExamples ?? {},
    hosts: Object.entries((manifest.hosts ?? {}) as Loose).map(([name, h]) => ({ name, ...(h as Loose) })),
    hostStates: t.hostStates,
    noColumnData: !data,
    unpublished: !!data && data.datasets.length === 0 && datasets.length > 0,
  };
}

function columnView(c: ColumnPlan, s: ColumnSummary | undefined): ColumnView {
  const v: ColumnView = { path: c.path, field: c.field, type: c.type, n: s?.n ?? 0, nulls: s?.nulls ?? 0, targetNull: c.nullRate, unique: c.unique, checks: [] };
  if (!s) return v;
  v.checks = [];
  // A sketch never claims more distinct values than there are.
  if (s.hll) v.distinct = Math.min(s.n, estimateText(s.hll));
  else if (c.allDistinct) {
    v.distinct = s.n;
    v.distinctExact = true;
  }
  if (s.fk && 'ref' in c && c.ref) v.fk = { ...s.fk, ref: c.ref };
  const m = s.num;
  if (m && s.n) {
    const total = m.bins ? m.bins.reduce((a, b) => a + b, 0) + m.under + m.over : Object.values(m.sketch ?? {}).reduce((a, b) => a + b, 0) + m.over;
    const mean = m.sum / Math.max(1, total);
    Object.assign(v, { mean, sd: Math.sqrt(Math.max(0, m.sumSq / Math.max(1, total) - mean * mean)), min: m.min, max: m.max, under: m.under, over: m.over });
    if (m.bins && 'bins' in c && c.bins) {
      const b = c.bins;
      const shares = expectedShares(c);
      v.hist = m.bins.map((count, k) => ({ x0: b.lo + k * b.width, x1: b.lo + (k + 1) * b.width, count, ...(shares ? { expected: shares[k]! * s.n } : {}) }));
    } else if (m.sketch) v.hist = rebin(m.sketch, m.min, m.max);
  }
  if (s.cats) {
    const weights = 'weights' in c ? c.weights : c.type === 'array' ? c.of : undefined;
    const keys = new Set([...Object.keys(s.cats.counts), ...Object.keys(weights ?? {})]);
    const total = Object.values(s.cats.counts).reduce((a, b) => a + b, 0) + s.cats.other;
    v.cats = [...keys].map((value) => ({ value, count: s.cats!.counts[value] ?? 0, ...(weights ? { target: (weights[value] ?? 0) * total } : {}) }));
    v.cats.sort((a, b) => (b.target ?? b.count) - (a.target ?? a.count) || b.count - a.count);
    v.other = s.cats.other;
  }
  addChecks(v);
  if (s.lengths) v.lengths = s.lengths.map((count, length) => ({ length, count }));
  if (s.len && s.n) v.len = { min: s.len.min, max: s.len.max, mean: s.len.sum / s.n };
  return v;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * An integer with thousands separators, as `toLocaleString('en-US')` writes it: the first
 * toLocaleString of a process loads ICU's number formats, ~20 ms a run would spend on two commas.
 */
export function thousands(n: number): string {
  const s = String(Math.abs(Math.round(n)));
  let out = s.slice(0, s.length % 3 || 3);
  for (let i = out.length; i < s.length; i += 3) out += `,${s.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/**
 * Checks a column against its spec, with tolerances from sampling noise: a null share within four
 * standard errors; a histogram or category mix within a total variation distance of
 * 0.02 + ½·√(bins / n) of the target (the distance noise alone makes); unique columns' distinct
 * estimate within the sketch's error; no dangling reference.
 */
function addChecks(v: ColumnView): void {
  const total = v.n + v.nulls;
  if (total > 0) {
    const p = v.targetNull;
    const got = v.nulls / total;
    const tol = 4 * Math.sqrt((Math.max(p, 1 / total) * (1 - p)) / total) + 0.002;
    v.checks.push({ name: 'nulls', ok: Math.abs(got - p) <= tol, detail: `${pct(got)} null (spec ${pct(p)})` });
  }
  const tvd = (obs: number[], exp: number[], n: number) => 0.5 * obs.reduce((s, o, k) => s + Math.abs(o / n - exp[k]! / n), 0);
  if (v.hist && v.hist.every((b) => b.expected !== undefined) && v.n > 0) {
    const obs = [...v.hist.map((b) => b.count), (v.under ?? 0) + (v.over ?? 0)];
    const exp = [...v.hist.map((b) => b.expected!), Math.max(0, v.n - v.hist.reduce((s, b) => s + b.expected!, 0))];
    const d = tvd(obs, exp, v.n);
    const tol = 0.02 + 0.5 * Math.sqrt(v.hist.length / v.n);
    v.checks.push({ name: 'distribution', ok: d <= tol, detail: `distance to target ${d.toFixed(3)} (≤ ${tol.toFixed(3)})` });
  }
  if (v.cats && v.cats.every((c) => c.target !== undefined)) {
    const n = v.cats.reduce((s, c) => s + c.count, 0) + (v.other ?? 0);
    if (n > 0) {
      const d = tvd([...v.cats.map((c) => c.count), v.other ?? 0], [...v.cats.map((c) => c.target!), 0], n);
      const tol = 0.02 + 0.5 * Math.sqrt(v.cats.length / n);
      v.checks.push({ name: 'categories', ok: d <= tol, detail: `distance to weights ${d.toFixed(3)} (≤ ${tol.toFixed(3)})` });
    }
  }
  if (v.unique && v.distinct !== undefined && v.n > 0) v.checks.push({ name: 'unique', ok: v.distinct >= v.n * 0.9, detail: `${v.distinctExact ? '' : '≈'}${thousands(v.distinct)} distinct of ${thousands(v.n)}${v.distinctExact ? ' (enforced while committing)' : ''}` });
  if (v.fk) v.checks.push({ name: 'references', ok: v.fk.missing === 0, detail: `${v.fk.missing} of ${thousands(v.fk.checked)} missing in ${v.fk.ref}` });
}

/**
 * A log sketch's buckets spread over equal-width bins from min to max: each bucket's count is
 * shared among the bins its range (clipped to min…max) overlaps, in proportion to the overlap.
 */
function rebin(sketch: Record<string, number>, min: number, max: number): ColumnView['hist'] {
  const n = min === max ? 1 : HISTOGRAM_BINS;
  const width = (max - min) / n || 1;
  const bins = Array.from({ length: n }, (_, k) => ({ x0: min + k * width, x1: min + (k + 1) * width, count: 0 }));
  const binOf = (x: number) => Math.min(n - 1, Math.max(0, Math.floor((x - min) / width)));
  for (const [key, count] of Object.entries(sketch)) {
    let a = 0;
    let b = 0;
    if (key !== 'z') {
      const k = Math.abs(Number(key));
      const sign = key.startsWith('-') ? -1 : 1;
      [a, b] = [sign * Math.pow(SKETCH_GAMMA, k - 1), sign * Math.pow(SKETCH_GAMMA, k)].sort((x, y) => x - y) as [number, number];
    }
    a = Math.max(min, a);
    b = Math.min(max, b);
    if (!(b > a)) {
      bins[binOf(Math.min(max, Math.max(min, a)))]!.count += count;
      continue;
    }
    for (let i = binOf(a); i <= binOf(b); i++) {
      const overlap = Math.min(b, bins[i]!.x1) - Math.max(a, bins[i]!.x0);
      if (overlap > 0) bins[i]!.count += (count * overlap) / (b - a);
    }
  }
  return bins;
}

function correlations(plan: DatasetPlan, s: DatasetSummary): DatasetView['correlations'] {
  const cols = plan.correlated.map((i) => plan.columns[i]!.path);
  const out: DatasetView['correlations'] = cols.map((a) => ({ a, b: a, r: 1 }));
  let p = 0;
  for (let i = 0; i < cols.length; i++) {
    for (let j = i + 1; j < cols.length; j++, p += 6) {
      const [n, sx, sy, sxx, syy, sxy] = s.corr.slice(p, p + 6) as [number, number, number, number, number, number];
      const den = Math.sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
      const r = n > 1 && den > 0 ? (n * sxy - sx * sy) / den : null;
      const target = plan.correlationTargets[[cols[i]!, cols[j]!].sort().join('|')];
      const cell = { r, ...(target !== undefined ? { target } : {}) };
      out.push({ a: cols[i]!, b: cols[j]!, ...cell }, { a: cols[j]!, b: cols[i]!, ...cell });
    }
  }
  return out;
}
