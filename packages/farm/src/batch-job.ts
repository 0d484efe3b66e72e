import { z } from 'zod';
import type { BatchJob as EngineBatchJob } from '@synthfarm/engine';
import type { Spec } from '@synthfarm/spec';
import { BatchRouteSchema, firstWriter, primaryBackendName, type BatchRoute } from '@synthfarm/routing';
import { isModelDataset } from '@synthfarm/spec';

/** A batch job's payload: a descriptor, never rows (DESIGN §6). Parsed at the worker's edge. */
export const BatchJobSchema = z.object({
  runId: z.string().min(1),
  dataset: z.number().int().min(0),
  batch: z.number().int().min(0),
  start: z.number().int().min(0),
  count: z.number().int().positive(),
  /** Changes uniqueness made to records, by offset in the batch (usually none). */
  ops: z.record(z.string(), z.array(z.tuple([z.number().int(), z.union([z.object({ a: z.number().int() }), z.object({ v: z.unknown() })])]))).default({}),
  /** The batch's routes, decided by the coordinator (DESIGN §8). */
  route: BatchRouteSchema.optional(),
});
export type BatchJob = z.infer<typeof BatchJobSchema>;
// The farm's edge schema parses exactly the engine's descriptor.
const _sameShape: (j: BatchJob) => EngineBatchJob = (j) => j;
void _sameShape;

/** Queue of code-only batches: any worker takes them. */
export const CODE_QUEUE = 'batches-code';
/** Queue of batches whose generate backend is a remote API (`baseUrl`): any worker calls it. */
export const REMOTE_QUEUE = 'batches-remote';

/** The queue of batches for model M: only workers whose host serves M listen to it. */
export function modelQueue(model: string): string {
  const tagged = model.includes(':') ? model : `${model}:latest`;
  return `batches-model-${tagged.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * Which queue a batch goes to: that of the model its route writes with first (the routing
 * package decided it; load then picks a host among the workers serving that model, never a
 * model), else the fixed generate backend's.
 */
export function queueFor(spec: Spec, d: number, route?: BatchRoute): string {
  const ds = spec.datasets[d]!;
  if (!isModelDataset(ds)) return CODE_QUEUE;
  const name = firstWriter(route) ?? primaryBackendName(spec);
  const b = name ? spec.backends[name] : undefined;
  if (!b) return CODE_QUEUE;
  if (b.baseUrl) return REMOTE_QUEUE;
  return modelQueue(b.model);
}

/** Job ids make adds idempotent: a resumed producer re-adding a batch adds nothing new. */
export function jobId(runId: string, d: number, b: number): string {
  return `${runId}.${d}.${b}`;
}
