import { CompiledDataset, FakerRegistry } from '@synthfarm/codegen';
import { recordSchema, type FieldSpec } from '@synthfarm/spec';
import type { z } from 'zod';
import type { BatchResult, BatchTask } from './batch-task.js';

interface Compiled {
  dataset: CompiledDataset;
  schema: z.ZodType<Record<string, unknown>>;
}

const cache = new Map<string, Compiled>();
const fakers = new FakerRegistry();

/** Compiles (once per thread) the dataset a task belongs to. */
export function compiledFor(task: Pick<BatchTask, 'spec' | 'specKey' | 'datasetIndex'>): Compiled {
  const key = `${task.specKey}#${task.datasetIndex}`;
  let c = cache.get(key);
  if (!c) {
    const dataset = new CompiledDataset(task.spec, task.datasetIndex, fakers);
    const fields = task.spec.datasets[task.datasetIndex]!.fields!;
    // llm fields are still holes here; the model stage checks them.
    const codeFields = Object.fromEntries(Object.entries(fields).filter(([, f]) => f.kind !== 'llm')) as Record<string, FieldSpec>;
    c = { dataset, schema: recordSchema(codeFields) };
    if (cache.size > 32) cache.clear();
    cache.set(key, c);
  }
  return c;
}

/**
 * Stage 1 of a batch: code fields for records [start, start+count), checked against the
 * dataset's schema. Pure: the same task gives the same records in any thread or process.
 */
export function generateBatch(task: BatchTask): BatchResult {
  const { dataset, schema } = compiledFor(task);
  dataset.setRefColumns(task.refColumns);
  const records = new Array(task.count);
  const invalid: BatchResult['invalid'] = [];
  for (let k = 0; k < task.count; k++) {
    const rec = dataset.generate(task.start + k);
    const check = schema.safeParse(rec);
    if (!check.success) {
      const issue = check.error.issues[0]!;
      invalid.push({ offset: k, error: `${issue.path.join('.')}: ${issue.message}` });
    }
    records[k] = rec;
  }
  return { records, invalid };
}
