import { SharedColumn, type RefColumns } from '@synthfarm/codegen';
import type { Spec } from '@synthfarm/spec';
import { refTargets } from './ref-columns.js';
import { emptyCommit, type DatasetCommit, type RunState } from './run-state.js';

/** Run state of an embedded run: in memory, gone with the process. */
export function createMemoryRunState(spec: Spec): RunState {
  const commits = spec.datasets.map(() => emptyCommit());
  const produced = spec.datasets.map(() => 0);
  const values = new Map<string, unknown[]>();
  const columns = new Map<string, SharedColumn['data']>();
  return {
    datasetCommit: async (d) => ({ ...commits[d]!, offsets: { ...commits[d]!.offsets } }),
    produced: async (d) => produced[d]!,
    async setProduced(d, n) {
      produced[d] = n;
    },
    async commit(d, c: DatasetCommit, _delta, refs) {
      commits[d] = c;
      for (const [field, vals] of refs) {
        let list = values.get(field);
        if (!list) values.set(field, (list = []));
        for (const v of vals) list.push(v);
      }
    },
    // An embedded run's counters are the committer's own.
    skipped: async () => undefined,
    async refColumns(d) {
      const out: RefColumns = {};
      for (const k of refTargets(spec.datasets[d]!.fields)) {
        let col = columns.get(k);
        // A referenced dataset is finished before any dataset that refers to it starts.
        if (!col) columns.set(k, (col = SharedColumn.from(values.get(k) ?? []).data)), values.delete(k);
        out[k] = col;
      }
      return out;
    },
    // An embedded run is never resumed: its one committer has seen every key itself.
    sourceKeys: async () => [],
  };
}
