import { CompiledDataset, FakerRegistry, UniqueIndex, getPath } from '@synthfarm/codegen';
import { createRecordEncoder, type RecordEncoder } from '@synthfarm/output';
import { compileRecordCheck, type RecordCheck, type Spec } from '@synthfarm/spec';
import type { BatchResult, BatchTask } from './batch-task.js';
import { packLines } from './packed-lines.js';

interface Compiled {
  dataset: CompiledDataset;
  check: RecordCheck;
}

const cache = new Map<string, Compiled>();
const registries = new Map<string, Promise<FakerRegistry>>();

/** Compiles (once per thread) the dataset a task belongs to. */
export async function compiledFor(task: Pick<BatchTask, 'spec' | 'specJson' | 'specKey' | 'datasetIndex'>): Promise<Compiled> {
  const key = `${task.specKey}#${task.datasetIndex}`;
  let c = cache.get(key);
  if (!c) {
    const spec: Spec = task.spec ?? (JSON.parse(task.specJson!) as Spec);
    let fakers = registries.get(task.specKey);
    if (!fakers) registries.set(task.specKey, (fakers = FakerRegistry.forSpec(spec)));
    const dataset = new CompiledDataset(spec, task.datasetIndex, await fakers);
    // llm fields are still holes here; the model stage checks them (with zod, at that edge).
    c = { dataset, check: compileRecordCheck(spec.datasets[task.datasetIndex]!.fields!) };
    if (cache.size > 32) cache.clear(), registries.clear();
    cache.set(key, c);
  }
  return c;
}

/**
 * Stage 1 of a batch: code fields for records [start, start+count), checked against the
 * dataset's schema. Pure: the same task gives the same records in any thread or process.
 */
export async function generateBatch(task: BatchTask): Promise<BatchResult> {
  const { dataset, check } = await compiledFor(task);
  dataset.setRefColumns(task.refColumns);
  const enc = task.encode;
  const encoders: [string, RecordEncoder, string[]][] = enc
    ? enc.formats.map((f) => [f, createRecordEncoder(f, { columns: enc.columns, escapeFormulas: enc.escapeFormulas }), new Array<string>(task.count)])
    : [];
  const unique = dataset.uniqueNodes.length;
  const keys = enc ? new Float64Array(task.count * unique) : undefined;
  const templateValues = enc ? new Array<unknown>(task.count * unique) : [];
  const refPaths = enc ? enc.refFields.map((f) => f.split('.')) : [];
  const refValues = refPaths.map(() => new Array<unknown>(task.count));
  const records = enc ? undefined : new Array(task.count);
  const invalid: BatchResult['invalid'] = [];
  for (let k = 0; k < task.count; k++) {
    const ops = task.ops?.[k];
    const rec = ops ? dataset.generateWith(task.start + k, ops) : dataset.generate(task.start + k);
    const problem = check(rec);
    if (problem !== undefined) invalid.push({ offset: k, error: problem });
    if (records) {
      records[k] = rec;
      continue;
    }
    for (const [, encode, lines] of encoders) lines[k] = encode(rec);
    if (unique) {
      UniqueIndex.writeKeys(dataset, rec, keys!, templateValues, k * unique);
    }
    for (let r = 0; r < refPaths.length; r++) refValues[r]![k] = getPath(rec, refPaths[r]!);
  }
  if (!enc) return { records: records!, invalid };
  return { encoded: { lines: Object.fromEntries(encoders.map(([f, , l]) => [f, packLines(l)])), keys: keys!, templateValues: packLines(templateValues.map((v) => (typeof v === 'string' ? v : ''))), refValues }, invalid };
}
