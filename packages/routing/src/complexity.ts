import type { FieldProfile } from './field-profile.js';

/** How hard a field is for a model, and why: every point has a rule that gave it. */
export interface Complexity {
  score: number;
  /** The tier a backend needs to write it: score < 1.5 → 1, < 3 → 2, else 3 (capped at the spec's top tier). */
  tier: number;
  reasons: string[];
}

/** What the batch adds to a field's difficulty. */
export interface ComplexityContext {
  /** Model fields the call writes together. */
  modelFields: number;
  /** Repair rate observed on this field in the routing window (0..1), when any was observed. */
  repairRate?: number | undefined;
  /** Highest tier the candidates offer. */
  maxTier: number;
}

/**
 * Rule-based, explainable complexity of one field (DESIGN §8): its type and constraints, its
 * length budget, whether its answer depends on the record (instruction placeholders), its
 * prompt length, how many fields share the call, and the repair rate observed so far.
 */
export function fieldComplexity(f: FieldProfile, ctx: ComplexityContext): Complexity {
  const reasons: string[] = [];
  let score = 0;
  const add = (points: number, why: string) => {
    score += points;
    reasons.push(`${why} +${points}`);
  };
  if (f.type === 'text') add(1, 'free text');
  if (f.type === 'object') add(1.5, 'structured value');
  if (f.type === 'date') add(0.5, 'date format');
  if (f.type === 'text' && (f.maxLength === undefined || f.maxLength >= 100)) add(0.5, f.maxLength === undefined ? 'no length limit' : `long text (maxLength ${f.maxLength})`);
  if (f.type === 'text' && f.minLength !== undefined && f.minLength > 1) add(0.25, `minLength ${f.minLength}`);
  if (f.placeholders > 0) add(f.type === 'enum' ? 1.5 : 0.5, f.type === 'enum' ? 'enum that depends on the record' : 'depends on the record');
  if (f.placeholders >= 3) add(0.5, `${f.placeholders} record fields in the instruction`);
  if (f.type === 'enum' && (f.values ?? 0) > 8) add(0.5, `${f.values} enum values`);
  if (f.type === 'number' && f.bounded) add(0.25, 'bounded number');
  if (f.promptChars > 160) add(0.5, `long instruction (${f.promptChars} chars)`);
  if (ctx.modelFields > 6) add(0.5, `${ctx.modelFields} model fields per call`);
  if (ctx.repairRate !== undefined && ctx.repairRate > 0.1) add(Math.round(ctx.repairRate * 20) / 10, `observed repair rate ${(ctx.repairRate * 100).toFixed(0)}%`);
  const tier = Math.min(ctx.maxTier, score < 1.5 ? 1 : score < 3 ? 2 : 3);
  return { score: Math.round(score * 100) / 100, tier: Math.max(1, tier), reasons: reasons.length ? reasons : ['short constrained value'] };
}

/** A batch's complexity: its hardest field's tier, its fields' mean score. */
export function batchComplexity(fields: readonly Complexity[]): Complexity {
  if (!fields.length) return { score: 0, tier: 1, reasons: ['no model fields'] };
  const hardest = fields.reduce((a, b) => (b.score > a.score ? b : a));
  return { score: Math.round((fields.reduce((n, f) => n + f.score, 0) / fields.length) * 100) / 100, tier: Math.max(...fields.map((f) => f.tier)), reasons: [`hardest field: ${hardest.reasons.join(', ')}`] };
}
