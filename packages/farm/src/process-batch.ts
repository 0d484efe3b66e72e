import type { RefColumns } from '@synthfarm/codegen';
import type { BatchProcessor } from '@synthfarm/engine';
import type { LlmBackend } from '@synthfarm/llm';
import type { Spec } from '@synthfarm/spec';
import { storedRefColumns } from './stored-ref-columns.js';
import type { RunMeta, RunStore } from './run-store.js';

/**
 * What a worker keeps per run, built once: the spec (secrets resolved here), the run's backends,
 * the one batch processor with the run's model stages, and the ref columns it has loaded.
 */
export interface RunContext {
  meta: RunMeta;
  spec: Spec;
  /** Backends shared by every job of this run on this worker. */
  backends: Map<string, LlmBackend>;
  processor: BatchProcessor;
  refColumns: Map<number, Promise<RefColumns>>;
}

/** The ref columns of dataset `d`, loaded once per run and dataset on this worker. */
export function refColumnsFor(ctx: RunContext, store: RunStore, d: number): Promise<RefColumns> {
  let cols = ctx.refColumns.get(d);
  if (!cols) ctx.refColumns.set(d, (cols = storedRefColumns(store, ctx.meta.runId, ctx.spec, d)));
  return cols;
}
