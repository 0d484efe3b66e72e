import { SharedColumn, type RefColumns } from '@synthfarm/codegen';
import { refTargets } from '@synthfarm/engine';
import type { Spec } from '@synthfarm/spec';
import type { RunStore } from './run-store.js';

/**
 * The ref columns dataset `d` needs, read from the run's store: the written values of the
 * referenced fields, in commit order (the same column embedded mode would hand its threads).
 */
export async function storedRefColumns(store: RunStore, runId: string, spec: Spec, d: number): Promise<RefColumns> {
  const out: RefColumns = {};
  for (const k of refTargets(spec.datasets[d]!.fields)) out[k] = SharedColumn.from(await store.refValues(runId, k)).data;
  return out;
}
