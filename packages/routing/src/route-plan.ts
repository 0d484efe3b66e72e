import { z } from 'zod';

/** How one field of one batch is routed: the backends that write it, in order, and why. */
export const FieldRouteSchema = z.object({
  field: z.string(),
  /** The backend that writes it first, then those it escalates to, in order. */
  ladder: z.array(z.string()),
  /** Ensemble: backends that all answer and are merged (the ladder takes what none could write). */
  members: z.array(z.string()).optional(),
  complexity: z.object({ score: z.number(), tier: z.number().int() }),
  /** Every candidate with its score (expected USD per accepted record; lower is better). */
  alternatives: z.array(z.object({ backend: z.string(), score: z.number() })),
  reason: z.string(),
  /** Estimated USD of this field for the batch's records. */
  estCost: z.number(),
});
export type FieldRoute = z.infer<typeof FieldRouteSchema>;

/** Policy of an enrich or validate stage's route: its backend writes and audits a deterministic sample. */
export const SPOT_CHECK = 'spot-check';

/**
 * One stage's route for a batch. `record` mode is today's chain (`fixed`): each record's fields
 * are written together and a record escalates as a whole. `field` mode writes, repairs and
 * escalates each field on its own ladder; `ensemble` asks every member and merges. An enrich or
 * validate stage's route is `spot-check` (record mode, its one backend): recorded, never learned from.
 */
export const StepRouteSchema = z.object({
  step: z.number().int().min(0),
  policy: z.enum(['fixed', 'cheapest', 'cascade', 'ensemble', 'learned', SPOT_CHECK]),
  mode: z.enum(['record', 'field', 'ensemble']),
  fields: z.array(FieldRouteSchema),
});
export type StepRoute = z.infer<typeof StepRouteSchema>;

/** A batch's routes, decided before it is dispatched and carried in its job (DESIGN §3, §8). */
export const BatchRouteSchema = z.object({ steps: z.array(StepRouteSchema) });
export type BatchRoute = z.infer<typeof BatchRouteSchema>;

/** What one backend did on one field of one batch: the validator's verdicts and the cost. */
export const RouteVerdictSchema = z.object({
  step: z.number().int().min(0),
  field: z.string(),
  backend: z.string(),
  /** Attempts (record × field), first answers and repairs. */
  asked: z.number().int().nonnegative(),
  /** Attempts whose value passed validation. */
  passed: z.number().int().nonnegative(),
  /** Values of this backend that the record kept. */
  accepted: z.number().int().nonnegative(),
  /** USD of the calls, attributed by the field's share of the answer. */
  cost: z.number().nonnegative(),
  /** Values that escalated from this backend to the next rung. */
  escalated: z.number().int().nonnegative(),
  /** Why values escalated, by trigger. */
  triggers: z.record(z.string(), z.number().int()).optional(),
  /** Shadow evaluation: sampled values also written by the top tier, and how many agreed. */
  shadow: z.object({ compared: z.number().int(), agreed: z.number().int() }).optional(),
  /** Ensemble: values merged from several answers, and how many had every answer agree. */
  agreement: z.object({ compared: z.number().int(), agreed: z.number().int() }).optional(),
  /**
   * Present on the verdict of a judge, which writes no value: its `cost` is its calls; `judged`
   * the values it was asked about (an ensemble's `merge: judge`: values whose members differed;
   * cascade's judge trigger: the sampled values), `fellBack` those it could not judge because it
   * failed or answered invalidly (`error`: the first why) — an ensemble keeps the first valid
   * answer, a cascade does not escalate.
   */
  judge: z.object({ judged: z.number().int().nonnegative(), fellBack: z.number().int().nonnegative(), error: z.string().optional() }).optional(),
});
export type RouteVerdict = z.infer<typeof RouteVerdictSchema>;
