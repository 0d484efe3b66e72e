import type { BatchRoute, RouteVerdict } from './route-plan.js';

/**
 * One line of `decisions.jsonl` (DESIGN §8): one routing decision — a field of a batch (a whole
 * stage for `fixed`), the policy, the chosen backend, the alternatives with their scores, the
 * reason, the estimated and actual cost, and the outcome.
 */
export interface DecisionLine {
  dataset: string;
  batch: number;
  step: number;
  fields: string[];
  policy: string;
  chosen: string;
  /** Ensemble members, when there are several. */
  members?: string[];
  /** What it escalates to, in order. */
  escalation: string[];
  complexity: { score: number; tier: number };
  alternatives: Array<{ backend: string; score: number }>;
  reason: string;
  estCost: number;
  actualCost: number;
  outcome: {
    asked: number;
    passed: number;
    accepted: number;
    escalated: number;
    /** Which backend the accepted values came from. */
    acceptedBy: Record<string, number>;
    triggers?: Record<string, number>;
    shadow?: { compared: number; agreed: number };
    agreement?: { compared: number; agreed: number };
    /**
     * Ensemble merged by a judge: the judge backend, the values it was asked to pick among
     * differing answers, and those merged first-valid instead because it failed or answered
     * invalidly (`error`: why, the first time). Its calls are in `actualCost`.
     */
    judge?: { backend: string; judged: number; fellBack: number; error?: string };
  };
}

/** The decision lines of a committed batch: its routes joined with its verdicts. */
export function decisionLines(dataset: string, batch: number, route: BatchRoute, verdicts: readonly RouteVerdict[]): DecisionLine[] {
  const lines: DecisionLine[] = [];
  for (const s of route.steps) {
    // A fixed stage is one decision for all its fields; the others decide field by field.
    const groups = s.mode === 'record' ? [s.fields] : s.fields.map((f) => [f]);
    for (const g of groups) {
      const f0 = g[0];
      if (!f0) continue;
      const names = new Set(g.map((f) => f.field));
      const vs = verdicts.filter((v) => v.step === s.step && (names.has(v.field) || (s.mode === 'record' && v.field === '*')));
      const sum = (k: 'asked' | 'passed' | 'accepted' | 'escalated' | 'cost') => vs.reduce((n, v) => n + v[k], 0);
      const acceptedBy: Record<string, number> = {};
      const triggers: Record<string, number> = {};
      let shadow: { compared: number; agreed: number } | undefined;
      let agreement: { compared: number; agreed: number } | undefined;
      let judge: { backend: string; judged: number; fellBack: number; error?: string } | undefined;
      for (const v of vs) {
        if (v.judge) {
          const error = judge?.error ?? v.judge.error;
          judge = { backend: v.backend, judged: (judge?.judged ?? 0) + v.judge.judged, fellBack: (judge?.fellBack ?? 0) + v.judge.fellBack, ...(error ? { error } : {}) };
        }
        if (v.accepted) acceptedBy[v.backend] = (acceptedBy[v.backend] ?? 0) + v.accepted;
        for (const [t, n] of Object.entries(v.triggers ?? {})) triggers[t] = (triggers[t] ?? 0) + n;
        if (v.shadow) shadow = { compared: (shadow?.compared ?? 0) + v.shadow.compared, agreed: (shadow?.agreed ?? 0) + v.shadow.agreed };
        if (v.agreement) agreement = { compared: (agreement?.compared ?? 0) + v.agreement.compared, agreed: (agreement?.agreed ?? 0) + v.agreement.agreed };
      }
      const chosen = f0.members?.[0] ?? f0.ladder[0] ?? '';
      lines.push({
        dataset, batch, step: s.step, fields: g.map((f) => f.field), policy: s.policy, chosen,
        ...(f0.members ? { members: f0.members } : {}),
        escalation: f0.members ? f0.ladder : f0.ladder.slice(1),
        complexity: g.length === 1 ? f0.complexity : { score: Math.max(...g.map((f) => f.complexity.score)), tier: Math.max(...g.map((f) => f.complexity.tier)) },
        alternatives: f0.alternatives, reason: f0.reason,
        estCost: Number(g.reduce((n, f) => n + f.estCost, 0).toPrecision(6)),
        actualCost: Number(sum('cost').toPrecision(6)),
        outcome: {
          asked: sum('asked'), passed: sum('passed'), accepted: sum('accepted'), escalated: sum('escalated'), acceptedBy,
          ...(Object.keys(triggers).length ? { triggers } : {}), ...(shadow ? { shadow } : {}), ...(agreement ? { agreement } : {}), ...(judge ? { judge } : {}),
        },
      });
    }
  }
  return lines;
}
