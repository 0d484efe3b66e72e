import { z } from 'zod';
import { FieldsSchema } from './field-schema.js';

/** Routing policies of a generate stage (DESIGN §8). `fixed` is today's backend + fallback chain. */
export const ROUTE_POLICIES = ['fixed', 'cheapest', 'cascade', 'ensemble', 'learned'] as const;
export type RoutePolicyName = (typeof ROUTE_POLICIES)[number];

/** What makes a cascade escalate a field one tier. */
export const ESCALATION_TRIGGERS = ['invalid', 'judge', 'confidence'] as const;

/** How an ensemble merges its backends' answers. */
export const EnsembleSchema = z.strictObject({
  size: z.number().int().min(2, 'must be >= 2').max(9, 'must be <= 9').default(3).describe('backends that answer the same batch'),
  /**
   * `vote`: enums and booleans by majority, numbers by median, text the first valid answer;
   * `judge`: as `vote`, but text (and structured values) picked by the stage's `judge` backend
   * among the members' differing valid answers (first-valid when the judge fails);
   * `first-valid`: every field from the first member that wrote it validly.
   */
  merge: z.enum(['vote', 'judge', 'first-valid'], 'must be one of vote, judge, first-valid').default('vote'),
});

/** The generate stage: its backend and fallbacks (`fixed`), or a routing policy over `backends`. */
const generateShape = {
  backend: z.string().optional().describe('backend name; default the first backend'),
  fallback: z.array(z.string()).default([]).describe('backends tried in order when the first cannot produce valid records'),
  repairAttempts: z.number().int().min(0).max(10).default(2),
  route: z.enum(ROUTE_POLICIES, `must be one of ${ROUTE_POLICIES.join(', ')}`).default('fixed').describe('routing policy'),
  backends: z.array(z.string()).min(1).optional().describe('candidates of a routing policy; default every backend'),
  escalateOn: z.array(z.enum(ESCALATION_TRIGGERS)).min(1).default(['invalid']).describe('cascade: what escalates a field one tier'),
  ensemble: EnsembleSchema.prefault({}),
  explore: z.number().min(0).max(0.5).default(0.02).describe('learned: floor on the share of decisions sent to a non-best arm within 2x of the best expected cost'),
  window: z.number().int().min(0).max(64).default(4).describe('a batch is routed on the verdicts of batches committed before it by this many (determinism)'),
  shadow: z.number().min(0).max(1).default(0).describe('fraction of records also sent to the top tier and compared'),
  judge: z.string().optional().describe("backend that judges: scores samples for cascade's judge trigger, picks among an ensemble's text answers (merge: judge); default the top tier of the candidates"),
  judgeSample: z.number().min(0).max(1).default(0.1).describe('fraction of a batch the judge scores'),
  maxDefectRate: z.number().min(0).max(1).default(0.2).describe('cascade: judge defect rate above which a field escalates'),
  minConfidence: z.number().min(0).max(1).default(0.5).describe('cascade: self-reported confidence below which a record escalates'),
};

export const GenerateStageSchema = z.strictObject(generateShape);
export type GenerateStageSpec = z.infer<typeof GenerateStageSchema>;

const enrichShape = {
  backend: z.string(),
  sample: z.number().min(0).max(1).default(0.05).describe('fraction of each batch'),
  audit: z.boolean().default(false),
  maxDefectRate: z.number().min(0).max(1).default(0.2),
  fields: FieldsSchema.optional(),
};

export const EnrichStageSchema = z.strictObject(enrichShape);
export type EnrichStageSpec = z.infer<typeof EnrichStageSchema>;

/** One stage of the ordered list form: each has its own backend or routing, and sees the fields earlier stages wrote. */
export const StageStepSchema = z.discriminatedUnion('stage', [
  z.strictObject({ stage: z.literal('generate'), fields: z.array(z.string()).min(1).optional().describe("the dataset's llm fields this stage writes; default those no other generate stage names"), ...generateShape }),
  z.strictObject({ stage: z.literal('enrich'), ...enrichShape }),
  z.strictObject({ stage: z.literal('validate'), backend: enrichShape.backend, sample: enrichShape.sample, maxDefectRate: enrichShape.maxDefectRate }),
], { error: () => 'each stage needs stage: generate | enrich | validate' });
export type StageStep = z.infer<typeof StageStepSchema>;
export type GenerateStep = Extract<StageStep, { stage: 'generate' }>;

const StagesMapSchema = z.strictObject({
  generate: GenerateStageSchema.prefault({}),
  enrich: EnrichStageSchema.optional(),
  /** The ordered list: given (list form), or made from `generate` and `enrich`. Authoritative when present. */
  steps: z.array(StageStepSchema).min(1, 'must list at least one stage').optional(),
});

/**
 * `stages:` in the map form (`generate`, `enrich`) or as an ordered list of stages of any length
 * (`[{ stage: generate, ... }, { stage: enrich, ... }, { stage: validate, ... }]`). Both come out
 * with `steps` (the list, which the run executes) and `generate` / `enrich` (the first of each,
 * for what reads one stage: the plan, the farm's queue of a fixed route).
 */
export const StagesSchema = z
  .preprocess((v) => (Array.isArray(v) ? { steps: v } : v), StagesMapSchema)
  .transform((s) => {
    const steps: StageStep[] = s.steps ?? [{ stage: 'generate', ...s.generate }, ...(s.enrich ? [{ stage: 'enrich' as const, ...s.enrich }] : [])];
    const gen = steps.find((x): x is GenerateStep => x.stage === 'generate');
    const firstEnrich = steps.find((x) => x.stage === 'enrich' || x.stage === 'validate');
    const { stage: _g, fields: _f, ...generate } = gen ?? { stage: 'generate' as const, ...GenerateStageSchema.parse({}) };
    let enrich: EnrichStageSpec | undefined;
    if (firstEnrich?.stage === 'enrich') {
      const { stage: _e, ...rest } = firstEnrich;
      enrich = rest;
    } else if (firstEnrich?.stage === 'validate') enrich = { backend: firstEnrich.backend, sample: firstEnrich.sample, audit: true, maxDefectRate: firstEnrich.maxDefectRate };
    return { generate, ...(enrich ? { enrich } : {}), steps };
  })
  .prefault({});
