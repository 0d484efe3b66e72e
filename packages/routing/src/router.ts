import { hash53 } from '@synthfarm/core';
import type { Spec } from '@synthfarm/spec';
import { armKey, emptyWeights, observeArm, passMean, weightsHash, type ArmState, type Weights } from './arm-state.js';
import { fieldComplexity, type Complexity } from './complexity.js';
import { fieldProfiles, type FieldProfile } from './field-profile.js';
import { POLICIES } from './policy-table.js';
import { createModelRegistry, type ModelRegistry, type RegistryEntry } from './registry.js';
import { createRouteRng } from './rng.js';
import { SPOT_CHECK, type BatchRoute, type FieldRoute, type RouteVerdict, type StepRoute } from './route-plan.js';
import { generateStages, type GenerateStage } from './step-fields.js';
import { round6 } from './policies/scores.js';
import { needsJudge } from './judge-merge.js';
import type { MergeKind } from './ensemble-merge.js';

/** Attempts an arm needs before its observed cost per attempt replaces the estimate from prices. */
const OBSERVED_COST_MIN = 5;
/** Prompt tokens of one record's field, roughly, besides its per-record instruction. */
const FIELD_INPUT_TOKENS = 30;
/** A route whose pass rate falls this far below its history (and has this many attempts) is reported. */
const DROP_MARGIN = 0.1;
const DROP_MIN_ASKED = 20;

/** This run's figures of one route (dataset, field, backend), for the manifest and `synthfarm backends`. */
export interface RouteFigures {
  dataset: string;
  field: string;
  backend: string;
  asked: number;
  passed: number;
  passRate: number;
  accepted: number;
  escalated: number;
  cost: number;
  /** USD per accepted value, repairs and escalations away from it included. */
  costPerAccepted: number | null;
  shadow?: { compared: number; agreed: number; rate: number };
  agreement?: { compared: number; agreed: number; rate: number };
  /** This backend as an ensemble's judge on the field (its `cost` is the judge's calls): values judged, and those merged first-valid instead. */
  judge?: { judged: number; fellBack: number };
}

/** A route whose pass rate in this run fell below its history. */
export interface RouteDrop {
  dataset: string;
  field: string;
  backend: string;
  history: number;
  now: number;
  asked: number;
}

/** The manifest's `decisions` section. */
export interface RoutingSummary {
  policies: Record<string, string>;
  /** Batches route on verdicts of batches committed this many before them. */
  window: number;
  startingWeightsSha256: string;
  routes: RouteFigures[];
  drops: RouteDrop[];
}

/**
 * The decision engine of a run: decides each batch's routes before it is dispatched, from the
 * spec, the seed, the starting weights and the verdicts of batches committed at least `window`
 * batches before it — never from timing (DESIGN §3). The committer is its only caller, in both
 * modes, so a farm routes exactly as an embedded run does.
 */
export interface Router {
  readonly registry: ModelRegistry;
  /** The routing window of dataset `d` when its routes depend on verdicts; undefined when they do not (`fixed`). */
  window(d: number): number | undefined;
  /** Routes of batch `b` of dataset `d`; undefined for a dataset without model fields. Call in batch order. */
  decide(d: number, b: number, records: number): BatchRoute | undefined;
  /** Verdicts of a committed batch (any order; folded in batch order). */
  observe(d: number, b: number, verdicts: readonly RouteVerdict[]): void;
  /** Starting weights plus every verdict observed: what is persisted for the next run. */
  weights(): Weights;
  startingHash(): string;
  summary(): RoutingSummary;
}

export interface RouterOptions {
  spec: Spec;
  /** Learned weights the run starts from (`--fresh-weights`: none). */
  weights?: Weights | undefined;
}

/** Builds the router of a run (see {@link Router}). */
export function createRouter(opts: RouterOptions): Router {
  const { spec } = opts;
  const registry = createModelRegistry(spec);
  const start = structuredClone(opts.weights ?? emptyWeights());
  const startHash = weightsHash(start);
  const arms = structuredClone(start.arms);
  const perDataset = spec.datasets.map((ds, d) => {
    const stages = generateStages(spec, d);
    const window = stages.some((s) => s.spec.route !== 'fixed') ? Math.max(...stages.map((s) => s.spec.window)) : undefined;
    const spots = stages.length ? spotChecks(spec, ds, stages.flatMap((s) => s.fields)) : [];
    return { ds, stages, spots, spotSteps: new Set(spots.map((x) => x.step)), window, pending: new Map<number, readonly RouteVerdict[]>(), folded: 0, profiles: new Map(stages.map((s) => [s.step, fieldProfiles(ds, s.fields)])) };
  });
  const figures = new Map<string, RouteFigures>();
  const seedKey = hash53(`${spec.seed}\u0000routing`) >>> 0;

  const fold = (d: number, b: number) => {
    const p = perDataset[d]!;
    for (const v of p.pending.get(b) ?? []) {
      const e = registry.get(v.backend);
      // A judge's verdict holds its calls' cost, no attempt at the field: nothing for its arm to
      // learn; a spot-check's backend is the spec's, never chosen by weights.
      if (!e || v.judge || p.spotSteps.has(v.step)) continue;
      const k = armKey(p.ds.name, v.field, e.arm);
      arms[k] = observeArm(arms[k], v.passed, v.asked - v.passed, v.cost);
      const all = armKey(p.ds.name, v.field, '*');
      arms[all] = observeArm(arms[all], v.passed, v.asked - v.passed, v.cost);
    }
    p.pending.delete(b);
  };

  const candidatesOf = (stage: GenerateStage): RegistryEntry[] => registry.ladder(stage.spec.backends ?? registry.entries.map((e) => e.name));

  return {
    registry,
    window: (d) => perDataset[d]?.window,
    decide(d, b, records) {
      const p = perDataset[d];
      if (!p || !p.stages.length) return undefined;
      // Only verdicts of batches before b - window: what any executor has committed by now.
      if (p.window !== undefined) while (p.folded < b - p.window) fold(d, p.folded++);
      const maxTier = Math.max(1, ...registry.entries.map((e) => e.tier));
      return {
        steps: p.stages.map((stage): StepRoute => {
          const policy = POLICIES[stage.spec.route];
          const candidates = candidatesOf(stage);
          const profiles = p.profiles.get(stage.step)!;
          const fields: FieldRoute[] = profiles.map((f, fi) => {
            const all = arms[armKey(p.ds.name, f.name, '*')];
            const repairRate = stage.spec.route !== 'fixed' && all && all.asked > 0 ? all.failed / (all.passed + all.failed) : undefined;
            const complexity = fieldComplexity(f, { modelFields: profiles.length, repairRate, maxTier });
            const arm = (e: RegistryEntry): ArmState | undefined => arms[armKey(p.ds.name, f.name, e.arm)];
            const unitCost = (e: RegistryEntry) => estimateUnitCost(registry, e, f, arm(e));
            const choice = policy.choose({
              field: f, complexity, candidates, arm, unitCost, step: stage.spec,
              rng: createRouteRng(seedKey, d, b, stage.step, fi),
            });
            const firstWriters = choice.members ?? choice.ladder.slice(0, 1);
            // An ensemble's judge reads every member's answer of a text value and scores each.
            const judge = choice.members && needsJudge(mergeKindOf(f), stage.spec.ensemble.merge) ? registry.get(stage.spec.judge ?? '') ?? registry.top(candidates.map((e) => e.name)) : undefined;
            const judgeCost = judge ? registry.cost(judge.name, FIELD_INPUT_TOKENS + choice.members!.length * f.tokens, choice.members!.length * 3 + 2) : 0;
            const estCost = round6((firstWriters.reduce((n, name) => n + unitCost(registry.get(name) ?? candidates[0]!), 0) + judgeCost) * records);
            return {
              field: f.name, ladder: choice.ladder, ...(choice.members ? { members: choice.members } : {}),
              complexity: { score: complexity.score, tier: complexity.tier }, alternatives: choice.alternatives, reason: choice.reason, estCost,
            };
          });
          return { step: stage.step, policy: policy.name, mode: policy.mode, fields };
        }).concat(p.spots.map((x) => spotRoute(registry, x, records)))
          .sort((a, b) => a.step - b.step),
      };
    },
    observe(d, b, verdicts) {
      const p = perDataset[d];
      if (!p) return;
      p.pending.set(b, verdicts);
      for (const v of verdicts) {
        if (p.spotSteps.has(v.step)) continue;
        const key = `${p.ds.name}/${v.field}/${v.backend}${v.judge ? '/judge' : ''}`;
        const f = figures.get(key) ?? { dataset: p.ds.name, field: v.field, backend: v.backend, asked: 0, passed: 0, passRate: 0, accepted: 0, escalated: 0, cost: 0, costPerAccepted: null };
        f.asked += v.asked;
        f.passed += v.passed;
        f.accepted += v.accepted;
        f.escalated += v.escalated;
        f.cost += v.cost;
        if (v.shadow) f.shadow = addRate(f.shadow, v.shadow);
        if (v.agreement) f.agreement = addRate(f.agreement, v.agreement);
        if (v.judge) f.judge = { judged: (f.judge?.judged ?? 0) + v.judge.judged, fellBack: (f.judge?.fellBack ?? 0) + v.judge.fellBack };
        figures.set(key, f);
      }
      // A fixed dataset's routes never read verdicts: fold at once so the weights stay current.
      if (p.window === undefined) while (p.pending.has(p.folded)) fold(d, p.folded++);
    },
    weights() {
      perDataset.forEach((p, d) => [...p.pending.keys()].sort((a, b) => a - b).forEach((b) => fold(d, b)));
      return { version: 1, arms: structuredClone(arms) };
    },
    startingHash: () => startHash,
    summary() {
      const routes = [...figures.values()].map((f) => ({ ...f, passRate: f.asked ? round6(f.passed / f.asked) : 0, cost: round6(f.cost), costPerAccepted: f.accepted ? round6(f.cost / f.accepted) : null }));
      const drops: RouteDrop[] = [];
      for (const f of routes) {
        const e = registry.get(f.backend);
        const hist = e ? start.arms[armKey(f.dataset, f.field, e.arm)] : undefined;
        if (!hist || hist.passed + hist.failed < DROP_MIN_ASKED || f.asked < DROP_MIN_ASKED) continue;
        const history = passMean(hist);
        if (f.passRate < history - DROP_MARGIN) drops.push({ dataset: f.dataset, field: f.field, backend: f.backend, history: round6(history), now: f.passRate, asked: f.asked });
      }
      const policies: Record<string, string> = {};
      for (const p of perDataset) {
        for (const s of p.stages) policies[`${p.ds.name}:${s.step}`] = s.spec.route;
        for (const x of p.spots) policies[`${p.ds.name}:${x.step}`] = SPOT_CHECK;
      }
      return { policies, window: Math.max(0, ...perDataset.map((p) => p.window ?? 0)), startingWeightsSha256: startHash, routes, drops };
    },
  };
}

function addRate(a: { compared: number; agreed: number } | undefined, b: { compared: number; agreed: number }) {
  const compared = (a?.compared ?? 0) + b.compared;
  const agreed = (a?.agreed ?? 0) + b.agreed;
  return { compared, agreed, rate: compared ? round6(agreed / compared) : 0 };
}

/** USD per attempt at field `f` on `e`: observed when the arm has enough attempts, else from its prices. */
function estimateUnitCost(registry: ModelRegistry, e: RegistryEntry, f: FieldProfile, s: ArmState | undefined): number {
  if (s && s.asked >= OBSERVED_COST_MIN && s.cost > 0) return s.cost / s.asked;
  return registry.cost(e.name, FIELD_INPUT_TOKENS + (f.placeholders ? Math.ceil(f.promptChars / 4) : 0), f.tokens + 4);
}

export type { Complexity };

/** A field's kind as an ensemble merges it, from its profile (the writer reads the same from its JSON schema). */
function mergeKindOf(f: FieldProfile): MergeKind {
  if (f.type === 'enum' || f.type === 'boolean' || f.type === 'number') return f.type;
  return f.type === 'text' || f.type === 'date' ? 'text' : 'other';
}

/** An enrich or validate stage as the router records it: its backend, what it writes and audits, its sample. */
interface SpotCheck {
  step: number;
  backend: string;
  sample: number;
  /** Enrich fields it writes on its sample. */
  writes: string[];
  /** Model fields it audits on its sample (all the generate stages'), when it audits. */
  audits: string[];
  maxDefectRate: number;
  /** Output tokens of its enrich fields per record. */
  tokens: number;
}

/** Audit tokens per sampled record: the record as the auditor reads it, and its verdict. */
const AUDIT_TOKENS_IN = 60;
const AUDIT_TOKENS_OUT = 12;

/** The enrich and validate stages of a model dataset whose generate stages write `generated`. */
function spotChecks(spec: Spec, ds: Spec['datasets'][number], generated: string[]): SpotCheck[] {
  return spec.stages.steps.flatMap((st, step): SpotCheck[] => {
    if (st.stage === 'generate') return [];
    const writes = st.stage === 'enrich' ? Object.keys(st.fields ?? {}) : [];
    const audits = st.stage === 'validate' || st.audit ? generated : [];
    if (!writes.length && !audits.length) return [];
    return [{ step, backend: st.backend, sample: st.sample, writes, audits, maxDefectRate: st.maxDefectRate, tokens: fieldProfiles(ds, writes).reduce((n, f) => n + f.tokens + 4, 0) }];
  });
}

/** A spot-check's route for a batch of `records` (one decision, record mode), with its expected cost. */
function spotRoute(registry: ModelRegistry, x: SpotCheck, records: number): StepRoute {
  const tier = registry.get(x.backend)?.tier ?? 1;
  const perRecord = (x.writes.length ? registry.cost(x.backend, FIELD_INPUT_TOKENS * x.writes.length, x.tokens + 4) : 0) + (x.audits.length ? registry.cost(x.backend, AUDIT_TOKENS_IN, AUDIT_TOKENS_OUT) : 0);
  const reason = [
    `spot-check: ${Number((x.sample * 100).toFixed(2))}% sample to ${x.backend}`,
    ...(x.writes.length ? [`writes ${x.writes.join(', ')}`] : []),
    ...(x.audits.length ? [`audits ${x.audits.join(', ')}; a defect rate above maxDefectRate ${x.maxDefectRate} regenerates the batch on ${x.backend}`] : []),
  ].join(', ');
  const names = [...x.writes, ...x.audits.filter((n) => !x.writes.includes(n))];
  return {
    step: x.step, policy: SPOT_CHECK, mode: 'record',
    fields: names.map((field, i) => ({ field, ladder: [x.backend], complexity: { score: 0, tier }, alternatives: [{ backend: x.backend, score: 0 }], reason, estCost: i === 0 ? round6(perRecord * x.sample * records) : 0 })),
  };
}
