import { z } from 'zod';
import type { DataRecord } from '@synthfarm/codegen';
import { callCost, type LlmBackend } from '@synthfarm/llm';
import { createSeededSampler, judgeCandidates, mergeAnswers, needsJudge, pickByScore, type JudgeCandidate, type MergeKind, type RouteVerdict, type StepRoute } from '@synthfarm/routing';
import type { BackendSpec, GenerateStep } from '@synthfarm/spec';
import type { ModelField } from './model-fields.js';
import { ModelWriter, type AttemptResult, type WriteFailure, type WriteOutcome } from './model-writer.js';
import type { PromptItem } from './prompt.js';
import { judgeRecords } from './judge.js';
import { judgeScores } from './ensemble-judge.js';

/** The key a model adds to each record when asked how sure it is (cascade's `confidence` trigger). */
export const CONFIDENCE_KEY = '_confidence';
const confidenceField: ModelField = {
  name: CONFIDENCE_KEY,
  prompt: 'how sure you are that this record follows every rule, from 0 to 1',
  json: { type: 'number', minimum: 0, maximum: 1 },
  zod: z.number().min(0).max(1),
  nullRate: 0,
  tokens: 3,
};

export interface RoutedWriterOptions {
  dataset: string;
  /** The stage's fields, in dataset order. */
  fields: ModelField[];
  step: GenerateStep;
  backends: Map<string, LlmBackend>;
  prices: Record<string, BackendSpec>;
  recordsPerCall: number;
  seed: number;
  /** The top tier (shadow evaluation, and the judge unless the stage names one). */
  top?: string | undefined;
}

/** One value's progress: the rung of its ladder it is on, the tries there, and what it has. */
interface Cell {
  rung: number;
  tries: number;
  value?: unknown;
  /** Who wrote `value`. */
  by?: string;
  /** A valid value kept while a trigger (confidence, judge) escalates it: used if nothing better comes. */
  kept?: { value: unknown; by: string };
  done: boolean;
  error?: WriteFailure;
  judged?: boolean;
}

/** A routed outcome: the values, and what each backend did per field. */
export interface RoutedOutcome extends WriteOutcome {
  verdicts: RouteVerdict[];
}

/**
 * Executes one generate stage's route for a batch (DESIGN §8) in `field` or `ensemble` mode:
 * each field is written, repaired and escalated on its own ladder, so a record whose hard field
 * failed keeps its easy ones and only the failed field goes round again (or up a tier). Calls
 * ask each record for exactly the fields it still needs on that backend. Deterministic: the same
 * answers give the same values, and rounds are driven by verdicts, never by timing.
 */
export class RoutedWriter {
  private readonly writers = new Map<string, ModelWriter>();
  private readonly kinds: Map<string, MergeKind>;

  constructor(private readonly opts: RoutedWriterOptions) {
    this.kinds = new Map(opts.fields.map((f) => [f.name, mergeKind(f)]));
  }

  async write(records: Array<{ index: number; record: DataRecord }>, route: StepRoute, signal?: AbortSignal): Promise<RoutedOutcome> {
    const verdicts = new Map<string, RouteVerdict>();
    // An ensemble's judge has a verdict of its own (its calls' cost; it writes no value), even when it is also a member.
    const verdict = (field: string, backend: string, role?: 'judge'): RouteVerdict => {
      const k = `${field}\u0000${backend}${role ? '\u0000judge' : ''}`;
      let v = verdicts.get(k);
      if (!v) verdicts.set(k, (v = { step: route.step, field, backend, asked: 0, passed: 0, accepted: 0, cost: 0, escalated: 0, ...(role ? { judge: { judged: 0, fellBack: 0 } } : {}) }));
      return v;
    };
    const fieldRoutes = new Map(route.fields.map((f) => [f.field, f]));
    const names = this.opts.fields.map((f) => f.name).filter((n) => fieldRoutes.has(n));
    const cells = new Map(records.map((r) => [r.index, new Map(names.map((n) => [n, { rung: 0, tries: 0, done: false } as Cell]))]));
    const byIndex = new Map(records.map((r) => [r.index, r.record]));

    if (route.mode === 'ensemble') await this.ensemble(records, names, route, cells, verdict, signal);
    await this.ladderRounds(names, (n) => fieldRoutes.get(n)!.ladder, cells, byIndex, verdict, signal);
    if (this.opts.step.escalateOn.includes('judge')) {
      // Fields the judge finds defective on a lower rung go one rung up, once per rung.
      for (let guard = 0; guard < 4 && (await this.judge(names, (n) => fieldRoutes.get(n)!.ladder, cells, byIndex, verdict, signal)); guard++) {
        await this.ladderRounds(names, (n) => fieldRoutes.get(n)!.ladder, cells, byIndex, verdict, signal);
      }
    }
    if (this.opts.step.shadow > 0) await this.shadow(records, names, cells, verdict, signal);

    const out: RoutedOutcome = { values: new Map(), failures: new Map(), decisions: [], tally: new Map(), verdicts: [] };
    const wrote = new Map<string, number>();
    for (const { index } of records) {
      const row = cells.get(index)!;
      const values: Record<string, unknown> = {};
      let failure: WriteFailure | undefined;
      for (const n of names) {
        const c = row.get(n)!;
        const v = c.done ? { value: c.value, by: c.by! } : c.kept;
        if (v) values[n] = v.value;
        else failure ??= { ...(c.error ?? { reason: 'backend_failed', error: 'not attempted (aborted)', attempts: 0 }), attempts: c.tries };
      }
      if (failure) {
        out.failures.set(index, failure);
        continue;
      }
      out.values.set(index, values);
      for (const n of names) {
        const c = row.get(n)!;
        const by = c.done ? c.by! : c.kept!.by;
        verdict(n, by).accepted++;
        wrote.set(by, (wrote.get(by) ?? 0) + 1);
      }
    }
    for (const [backend, n] of wrote) out.decisions.push({ backend, records: Math.round(n / Math.max(1, names.length)), reason: `${route.policy} route` });
    // In field, then route order (members, the ladder, then a judge): ensemble members answer in
    // parallel, and the order they first report in is timing, which must not reach decisions.jsonl.
    const fieldOrder = new Map(names.map((n, i) => [n, i]));
    const rank = (v: RouteVerdict) => {
      const f = fieldRoutes.get(v.field);
      const order = [...(f?.members ?? []), ...(f?.ladder ?? [])];
      const k = order.indexOf(v.backend);
      return v.judge ? order.length + 1 : k < 0 ? order.length : k;
    };
    out.verdicts = [...verdicts.values()]
      .sort((a, b) => (fieldOrder.get(a.field) ?? names.length) - (fieldOrder.get(b.field) ?? names.length) || rank(a) - rank(b) || (a.backend < b.backend ? -1 : a.backend > b.backend ? 1 : 0))
      .map((v) => ({ ...v, cost: Number(v.cost.toPrecision(6)) }));
    return out;
  }

  /**
   * Rounds until every value is written or out of rungs: each round asks every pending value on
   * its current rung's backend (first answer or repair), grouped into calls by backend, round
   * and the set of fields a record still needs there.
   */
  private async ladderRounds(names: string[], ladderOf: (n: string) => string[], cells: Map<number, Map<string, Cell>>, byIndex: Map<number, DataRecord>, verdict: (f: string, b: string) => RouteVerdict, signal?: AbortSignal): Promise<void> {
    const { repairAttempts } = this.opts.step;
    const askConfidence = this.opts.step.escalateOn.includes('confidence');
    for (;;) {
      if (signal?.aborted) return;
      // backend → tries → field-set key → items
      const calls = new Map<string, { backend: string; tries: number; fields: string[]; items: PromptItem[] }>();
      for (const [index, row] of cells) {
        const groups = new Map<string, { backend: string; tries: number; fields: string[]; errors: string[] }>();
        for (const n of names) {
          const c = row.get(n)!;
          const ladder = ladderOf(n);
          if (c.done || c.rung >= ladder.length) continue;
          const backend = ladder[c.rung]!;
          const k = `${backend}\u0000${c.tries}`;
          const g = groups.get(k) ?? { backend, tries: c.tries, fields: [], errors: [] };
          g.fields.push(n);
          if (c.error && c.tries > 0) g.errors.push(c.error.error);
          groups.set(k, g);
        }
        for (const g of groups.values()) {
          const key = `${g.backend}\u0000${g.tries}\u0000${g.fields.join(',')}`;
          const call = calls.get(key) ?? { backend: g.backend, tries: g.tries, fields: g.fields, items: [] };
          call.items.push({ index, record: byIndex.get(index)!, ...(g.errors.length ? { errors: [...new Set(g.errors)] } : {}) });
          calls.set(key, call);
        }
      }
      if (!calls.size) return;
      const results = await Promise.all([...calls.values()].map(async (c) => {
        const backend = this.opts.backends.get(c.backend);
        const res: AttemptResult[] = backend
          ? await this.writerFor(askConfidence ? [...c.fields, CONFIDENCE_KEY] : c.fields).attempt(backend, c.items, c.tries, signal)
          : c.items.map((item) => ({ item, failure: { reason: 'backend_failed' as const, error: `[routing] backend ${c.backend} is not available here`, attempts: 0 }, tokensIn: 0, tokensOut: 0 }));
        return { c, res };
      }));
      // Applied in call order, whatever order they finished in.
      for (const { c, res } of results) {
        const weights = c.fields.map((n) => this.field(n).tokens + 4);
        const total = weights.reduce((a, b) => a + b, 0);
        for (const r of res) {
          const row = cells.get(r.item.index)!;
          const cost = callCost(this.opts.prices[c.backend] ?? {}, r.tokensIn, r.tokensOut);
          const raw = r.raw && typeof r.raw === 'object' ? (r.raw as Record<string, unknown>) : undefined;
          const confidence = askConfidence && raw && typeof raw[CONFIDENCE_KEY] === 'number' ? (raw[CONFIDENCE_KEY] as number) : undefined;
          c.fields.forEach((n, i) => {
            const cell = row.get(n)!;
            const v = verdict(n, c.backend);
            v.asked++;
            v.cost += (cost * weights[i]!) / total;
            const ladder = ladderOf(n);
            const checked = raw && n in raw ? this.field(n).zod.safeParse(raw[n]) : undefined;
            if (checked?.success) {
              v.passed++;
              const last = cell.rung >= ladder.length - 1;
              if (confidence !== undefined && confidence < this.opts.step.minConfidence && !last) {
                cell.kept = { value: checked.data, by: c.backend };
                this.escalate(cell, v, 'confidence');
                return;
              }
              Object.assign(cell, { value: checked.data, by: c.backend, done: true });
              return;
            }
            cell.error = checked ? { reason: 'invalid_model_output', error: `${n}: ${checked.error.issues[0]?.message ?? 'invalid'}`, attempts: 0 } : r.failure ?? { reason: 'invalid_model_output', error: `${n}: missing from the answer`, attempts: 0 };
            cell.tries++;
            // A backend that failed after its retries, or an answer cut at max tokens, will not do better on a repair.
            if (cell.tries > repairAttempts || r.failure?.reason === 'backend_failed' || r.failure?.reason === 'truncated') this.escalate(cell, v, 'invalid');
          });
        }
      }
    }
  }

  private escalate(cell: Cell, v: RouteVerdict, trigger: string): void {
    cell.rung++;
    cell.tries = 0;
    v.escalated++;
    (v.triggers ??= {})[trigger] = (v.triggers[trigger] ?? 0) + 1;
  }

  /**
   * Ensemble: every member writes every field (with repairs); values are merged; what none wrote
   * is left to the ladder. With `merge: judge`, a text value whose members wrote different valid
   * answers is picked by the judge's scores (a tie to the earliest member); when the judge fails
   * or answers invalidly, the first valid answer is kept and the judge's verdict says so.
   */
  private async ensemble(records: Array<{ index: number; record: DataRecord }>, names: string[], route: StepRoute, cells: Map<number, Map<string, Cell>>, verdict: (f: string, b: string, role?: 'judge') => RouteVerdict, signal?: AbortSignal): Promise<void> {
    const members = route.fields[0]?.members ?? [];
    const byIndex = new Map(records.map((r) => [r.index, r.record]));
    const answers = await Promise.all(members.map(async (m) => {
      const own = new Map(records.map((r) => [r.index, new Map(names.map((n) => [n, { rung: 0, tries: 0, done: false } as Cell]))]));
      await this.ladderRounds(names, () => [m], own, byIndex, verdict, signal);
      return own;
    }));
    const merge = this.opts.step.ensemble.merge;
    const judged = new Map<string, Array<{ index: number; record: DataRecord; candidates: JudgeCandidate[] }>>();
    for (const [index, row] of cells) {
      for (const n of names) {
        const got = answers.map((a) => {
          const c = a.get(index)!.get(n)!;
          return c.done ? c.value : undefined;
        });
        const m = mergeAnswers(this.kinds.get(n)!, got, merge);
        if (m.valid >= 2) {
          const a = (verdict(n, members[0]!).agreement ??= { compared: 0, agreed: 0 });
          a.compared++;
          if (m.agreed) a.agreed++;
        }
        if (m.value === undefined) continue;
        const by = members[got.findIndex((g) => g !== undefined && JSON.stringify(g) === JSON.stringify(m.value))] ?? members[0]!;
        Object.assign(row.get(n)!, { value: m.value, by, done: true });
        if (needsJudge(this.kinds.get(n)!, merge)) {
          const candidates = judgeCandidates(got);
          if (candidates.length >= 2) (judged.get(n) ?? judged.set(n, []).get(n)!).push({ index, record: byIndex.get(index)!, candidates });
        }
      }
    }
    if (judged.size) await this.judgeMerge(judged, members, cells, verdict, signal);
  }

  /**
   * `merge: judge`: the judge scores the candidates of each value in `judged` (per field, up to
   * `recordsPerCall` values per call); the best-scored candidate replaces the first-valid merge.
   * Calls are applied in field and record order, whatever order they finish in.
   */
  private async judgeMerge(judged: Map<string, Array<{ index: number; record: DataRecord; candidates: JudgeCandidate[] }>>, members: string[], cells: Map<number, Map<string, Cell>>, verdict: (f: string, b: string, role?: 'judge') => RouteVerdict, signal?: AbortSignal): Promise<void> {
    const judgeName = this.opts.step.judge ?? this.opts.top;
    const judge = judgeName ? this.opts.backends.get(judgeName) : undefined;
    const calls = [...judged].flatMap(([n, items]) => chunk(items, this.opts.recordsPerCall).map((c) => ({ n, items: c })));
    const results = await Promise.all(calls.map(async ({ n, items }) => {
      if (!judge) return { error: `[routing] judge backend ${judgeName ?? '(none)'} is not available here`, tokensIn: 0, tokensOut: 0 };
      return judgeScores(judge, this.opts.dataset, this.field(n), items.map((it) => ({ index: it.index, record: it.record, candidates: it.candidates.map((c) => c.value) })), this.opts.seed, signal);
    }));
    calls.forEach(({ n, items }, k) => {
      const r = results[k]!;
      const v = verdict(n, judgeName ?? '', 'judge');
      v.cost += callCost(this.opts.prices[judgeName ?? ''] ?? {}, r.tokensIn, r.tokensOut);
      v.judge!.judged += items.length;
      if (!r.scores) {
        // First-valid stays: the merge above already holds it.
        v.judge!.fellBack += items.length;
        v.judge!.error ??= r.error;
        return;
      }
      items.forEach((it, i) => {
        const pick = it.candidates[pickByScore(r.scores![i]!)]!;
        Object.assign(cells.get(it.index)!.get(n)!, { value: pick.value, by: members[pick.members[0]!]! });
      });
    });
  }

  /**
   * The judge trigger: per backend below the top of its ladders, a sample of the records whose
   * fields it wrote is scored; a defect rate above `maxDefectRate` sends those fields one rung up.
   * @returns whether anything escalated.
   */
  private async judge(names: string[], ladderOf: (n: string) => string[], cells: Map<number, Map<string, Cell>>, byIndex: Map<number, DataRecord>, verdict: (f: string, b: string, role?: 'judge') => RouteVerdict, signal?: AbortSignal): Promise<boolean> {
    const judgeName = this.opts.step.judge ?? this.opts.top;
    const judge = judgeName ? this.opts.backends.get(judgeName) : undefined;
    if (!judge) return false;
    const sampled = createSeededSampler(this.opts.seed, this.opts.dataset, 'judge', this.opts.step.judgeSample);
    let escalated = false;
    const byBackend = new Map<string, { fields: Set<string>; cells: Array<{ index: number; field: string; cell: Cell }> }>();
    for (const [index, row] of cells) {
      for (const n of names) {
        const c = row.get(n)!;
        if (!c.done || c.judged || c.rung >= ladderOf(n).length - 1) continue;
        const g = byBackend.get(c.by!) ?? { fields: new Set(), cells: [] };
        g.fields.add(n);
        g.cells.push({ index, field: n, cell: c });
        byBackend.set(c.by!, g);
      }
    }
    for (const [backend, g] of byBackend) {
      for (const x of g.cells) x.cell.judged = true;
      const indexes = [...new Set(g.cells.map((x) => x.index))].filter(sampled);
      if (!indexes.length) continue;
      const sample = indexes.map((i) => ({ index: i, record: { ...byIndex.get(i)!, ...Object.fromEntries([...g.fields].map((n) => [n, cells.get(i)!.get(n)!.value])) } }));
      const tokens = { tokensIn: 0, tokensOut: 0 };
      const defects = await judgeRecords(judge, this.opts.dataset, [...g.fields], sample, this.opts.seed, signal, tokens);
      // The judge's call, on the verdicts of the fields it judged (its cost split evenly).
      const cost = callCost(this.opts.prices[judgeName!] ?? {}, tokens.tokensIn, tokens.tokensOut) / g.fields.size;
      for (const n of g.fields) {
        const jv = verdict(n, judgeName!, 'judge');
        jv.cost += cost;
        jv.judge!.judged += sample.length;
        if (defects === undefined) {
          jv.judge!.fellBack += sample.length;
          jv.judge!.error ??= `[judge:${judgeName}] no usable verdicts (failed, or answered invalidly)`;
        }
      }
      if (defects === undefined || defects / sample.length <= this.opts.step.maxDefectRate) continue;
      escalated = true;
      for (const x of g.cells) {
        x.cell.kept = { value: x.cell.value, by: x.cell.by! };
        x.cell.done = false;
        this.escalate(x.cell, verdict(x.field, backend), 'judge');
      }
    }
    return escalated;
  }

  /** Shadow evaluation: a sample also written by the top tier and compared, per field and backend. */
  private async shadow(records: Array<{ index: number; record: DataRecord }>, names: string[], cells: Map<number, Map<string, Cell>>, verdict: (f: string, b: string) => RouteVerdict, signal?: AbortSignal): Promise<void> {
    const top = this.opts.top ? this.opts.backends.get(this.opts.top) : undefined;
    if (!top) return;
    const sampled = createSeededSampler(this.opts.seed, this.opts.dataset, 'shadow', this.opts.step.shadow);
    const items = records.filter((r) => sampled(r.index));
    if (!items.length) return;
    const res = await this.writerFor(names).attempt(top, items.map((r) => ({ index: r.index, record: r.record })), 0, signal);
    for (const r of res) {
      const raw = r.raw && typeof r.raw === 'object' ? (r.raw as Record<string, unknown>) : undefined;
      for (const n of names) {
        const c = cells.get(r.item.index)!.get(n)!;
        if (!c.done) continue;
        const theirs = raw && n in raw ? this.field(n).zod.safeParse(raw[n]) : undefined;
        if (!theirs) continue;
        const s = (verdict(n, c.by!).shadow ??= { compared: 0, agreed: 0 });
        s.compared++;
        if (theirs.success && agree(this.kinds.get(n)!, c.value, theirs.data)) s.agreed++;
      }
    }
  }

  private field(name: string): ModelField {
    return name === CONFIDENCE_KEY ? confidenceField : this.opts.fields.find((f) => f.name === name)!;
  }

  private writerFor(fields: string[]): ModelWriter {
    const key = fields.join(',');
    let w = this.writers.get(key);
    if (!w) {
      w = new ModelWriter({ dataset: this.opts.dataset, fields: fields.map((n) => this.field(n)), chain: [], repairAttempts: 0, recordsPerCall: this.opts.recordsPerCall, seed: this.opts.seed });
      this.writers.set(key, w);
    }
    return w;
  }
}

function mergeKind(f: ModelField): MergeKind {
  if (Array.isArray(f.json.enum)) return 'enum';
  if (f.json.type === 'boolean') return 'boolean';
  if (f.json.type === 'integer') return 'integer';
  if (f.json.type === 'number') return 'number';
  if (f.json.type === 'string') return 'text';
  return 'other';
}

/**
 * Whether a shadow answer agrees with the one written: enums and booleans equal, numbers within
 * 10% of the larger, text and structured values when both are valid (free text is never equal;
 * what a shadow can tell of it is whether the cheaper route kept to the rules).
 */
function agree(kind: MergeKind, ours: unknown, theirs: unknown): boolean {
  if (kind === 'enum' || kind === 'boolean') return ours === theirs;
  if (kind === 'number' || kind === 'integer') {
    const a = Number(ours);
    const b = Number(theirs);
    return Math.abs(a - b) <= 0.1 * Math.max(Math.abs(a), Math.abs(b), 1);
  }
  return true;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) out.push(items.slice(i, i + Math.max(1, size)));
  return out;
}
