import { SharedColumn, type RefColumns } from '@synthfarm/codegen';
import type { FieldSpec, Spec } from '@synthfarm/spec';
import type { RunStore } from './run-store.js';

/**
 * The ref columns dataset `d` needs, read from the run's store: the written values of the
 * referenced fields, in commit order (the same column embedded mode would hand its threads).
 */
export async function storedRefColumns(store: RunStore, runId: string, spec: Spec, d: number): Promise<RefColumns> {
  const wanted = new Set<string>();
  const walk = (f: FieldSpec) => {
    if (f.kind === 'ref') wanted.add(`${f.dataset}.${f.field}`);
    else if (f.kind === 'object') Object.values(f.fields).forEach(walk);
    else if (f.kind === 'array') walk(f.of);
  };
  Object.values(spec.datasets[d]!.fields ?? {}).forEach(walk);
  const out: RefColumns = {};
  for (const k of wanted) out[k] = SharedColumn.from(await store.refValues(runId, k)).data;
  return out;
}
