import type { RunState } from '@synthfarm/engine';
import type { Spec } from '@synthfarm/spec';
import type { RunStore } from './run-store.js';
import { storedRefColumns } from './stored-ref-columns.js';

/** A farm run's state: commit points, counters and ref values in Redis, where a resume finds them. */
export function createRedisRunState(store: RunStore, runId: string, spec: Spec): RunState {
  return {
    datasetCommit: (d) => store.datasetCommit(runId, d),
    produced: (d) => store.produced(runId, d),
    setProduced: (d, n) => store.setProduced(runId, d, n),
    commit: (d, c, delta, refs, keys) => store.commit(runId, d, c, delta, refs, keys),
    skipped: (n) => store.addSkipped(runId, n),
    refColumns: (d) => storedRefColumns(store, runId, spec, d),
    sourceKeys: (d) => store.sourceKeys(runId, d),
  };
}
