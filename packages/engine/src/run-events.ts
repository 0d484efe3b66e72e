import { z } from 'zod';
// The schema's own file: the routing barrel brings every policy and the LLM clients.
import { RouteVerdictSchema } from '@synthfarm/routing/route-plan';

/**
 * The events of a run's record (DESIGN §5, §10): one JSON object per line of `events.jsonl`, and
 * one entry of a farm run's Redis stream. Everything a run reports — its manifest's backends and
 * hosts, the progress bar, `synthfarm status`, SSE, `/metrics`, the report — is folded from these
 * (see run-record.ts), so both modes report the same figures.
 *
 * Every event has `type` and `at` (epoch milliseconds when it happened). The events of one batch
 * are appended by the committer when it commits the batch, in commit order, so the file's order is
 * the same in both modes; only timing fields (`at`, `latencyMs`, `busyMs`) differ between runs.
 */

const at = z.number().describe('When it happened, epoch milliseconds');
const count = z.number().int().nonnegative();

/** The run started (or a resumed coordinator took it up again), or ended with `state`. */
export const RunStateEventSchema = z.object({
  type: z.literal('run_state'),
  at,
  state: z.enum(['running', 'completed', 'failed', 'budget_exceeded', 'cancelled']),
  mode: z.enum(['embedded', 'farm']).optional(),
});

/** A batch's records are in the files: the one event that moves the run's counters. */
export const BatchCommittedEventSchema = z.object({
  type: z.literal('batch_committed'),
  at,
  dataset: z.string(),
  batch: count,
  /** Records of the batch (written + rejected). */
  records: count,
  written: count,
  rejected: count,
  /** Output tokens the batch's model calls generated. */
  tokensOut: count,
  /** Farm mode: the worker host that made the batch. */
  host: z.string().optional(),
  /** Model time on this batch, in milliseconds (farm mode: on `host`). */
  busyMs: z.number().nonnegative().optional(),
});

/** One attempt of a call on one host. */
export const HostAttemptSchema = z.object({ host: z.string(), ok: z.boolean(), tokensOut: count, busyMs: z.number().nonnegative() });

/** One `generate` call of a backend (with its retries), or one answer from the response cache. */
export const BackendCallEventSchema = z.object({
  type: z.literal('backend_call'),
  at,
  backend: z.string(),
  dataset: z.string().optional(),
  batch: count.optional(),
  /** The host that answered (or was tried last); '' for a cache hit. */
  host: z.string(),
  tokensIn: count,
  tokensOut: count,
  /** USD, from the backend's prices. */
  cost: z.number().nonnegative(),
  /** Wall time of the call with its waits and retries, in milliseconds. */
  latencyMs: z.number().nonnegative(),
  cacheHit: z.boolean(),
  /** False when the call failed after all its retries. */
  ok: z.boolean(),
  retries: count,
  /** The call's attempts, host by host (per-host accounting). */
  attempts: z.array(HostAttemptSchema).optional(),
});

/** Which backend a batch went to, and why (DESIGN §8). */
export const RoutingDecisionEventSchema = z.object({
  type: z.literal('routing_decision'),
  at,
  dataset: z.string(),
  batch: count,
  backend: z.string(),
  reason: z.string(),
  /** A routed decision (decisions.jsonl's line): the stage, its fields, the policy, the costs and the verdicts the router learns from. */
  step: count.optional(),
  fields: z.array(z.string()).optional(),
  policy: z.string().optional(),
  estCost: z.number().optional(),
  actualCost: z.number().optional(),
  verdicts: z.array(RouteVerdictSchema).optional(),
});

/** A batch's enrich/audit figures. */
export const AuditVerdictEventSchema = z.object({
  type: z.literal('audit_verdict'),
  at,
  dataset: z.string(),
  batch: count,
  sampled: count,
  enrichFailures: count,
  audited: count,
  defects: count,
  auditErrors: count,
  /** The batch's defect rate when it exceeded maxDefectRate and was regenerated. */
  regenerated: z.number().optional(),
  problems: z.array(z.string()).optional(),
});

/** A batch's rejects, counted by reason (rejects.jsonl keeps the per-record list). */
export const RejectEventSchema = z.object({
  type: z.literal('reject'),
  at,
  dataset: z.string(),
  /** Absent for records never generated because the run stopped. */
  batch: count.optional(),
  count,
  reasons: z.record(z.string(), count),
});

/** A host changed state: circuit breaker, check(), a farm worker's cooldown. */
export const HostStateEventSchema = z.object({
  type: z.literal('host_state'),
  at,
  host: z.string(),
  state: z.enum(['up', 'down', 'circuit_open', 'half_open', 'cooldown']),
  backend: z.string().optional(),
  /** Farm mode: the worker host name `host` belongs to (the name `status` and `/metrics` show). */
  worker: z.string().optional(),
});

/** Any event of a run's record. */
export const RunEventSchema = z.discriminatedUnion('type', [
  RunStateEventSchema,
  BatchCommittedEventSchema,
  BackendCallEventSchema,
  RoutingDecisionEventSchema,
  AuditVerdictEventSchema,
  RejectEventSchema,
  HostStateEventSchema,
]);

export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunStateEvent = z.infer<typeof RunStateEventSchema>;
export type BatchCommittedEvent = z.infer<typeof BatchCommittedEventSchema>;
export type BackendCallEvent = z.infer<typeof BackendCallEventSchema>;
export type HostStateEvent = z.infer<typeof HostStateEventSchema>;
export type RejectEvent = z.infer<typeof RejectEventSchema>;

/**
 * Parses one line of `events.jsonl` (or one stream entry).
 * @throws Error naming the line when it is not an event.
 */
export function parseRunEvent(text: string, where = 'events.jsonl'): RunEvent {
  const r = RunEventSchema.safeParse(JSON.parse(text));
  if (!r.success) throw new Error(`[events] ${where}: not a run event: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}
