import type { DataRecord } from '@synthfarm/codegen';
import type { StagedBatch } from '@synthfarm/engine';
import type { ModelField } from './model-fields.js';
import { createSampler } from './sample.js';
import type { WriteOutcome } from './model-writer.js';

/** Null decisions of model fields with a nullRate: per record, deterministic. */
export function nullers(seed: number, dataset: string, fields: ModelField[]): Array<{ name: string; hit: (i: number) => boolean }> {
  return fields.filter((f) => f.nullRate > 0).map((f) => ({ name: f.name, hit: createSampler(seed, dataset, `null:${f.name}`, f.nullRate) }));
}

/**
 * Puts model-written values into a batch's records; records the model could not write are
 * rejected with their reason (written + rejected = requested).
 */
export function applyOutcome(b: StagedBatch, dataset: string, outcome: WriteOutcome, nulls: ReturnType<typeof nullers>, rejectFailures = true): void {
  b.records!.forEach((rec, k) => {
    if (!rec) return;
    const i = b.start + k;
    const v = outcome.values.get(i);
    if (v) {
      assign(rec, v);
      for (const n of nulls) if (n.hit(i)) rec[n.name] = null;
      return;
    }
    const f = outcome.failures.get(i);
    if (f && rejectFailures) {
      b.records![k] = null;
      b.rejects.push({ dataset, index: i, reason: f.reason, error: f.error, attempts: f.attempts });
    }
  });
}

function assign(rec: DataRecord, values: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(values)) rec[k] = v;
}
