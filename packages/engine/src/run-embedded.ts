import type { LoadedSpec } from '@synthfarm/spec';
import { createRun, type RunModel, type RunParts } from './create-run.js';
import type { CodegenPool } from './codegen-pool.js';
import type { Manifest } from './manifest.js';
import type { Progress } from './progress.js';
import type { RunOptionsInput } from './run-options.js';

export type { Progress } from './progress.js';
export { CODE_TASK_RECORDS, newRunId } from './create-run.js';

/** Options of {@link runEmbedded}: the run's plain options ({@link RunOptionsSchema}) and its parts. */
export interface RunEmbeddedOptions extends Omit<RunOptionsInput, 'mode'> {
  loaded: LoadedSpec;
  /** A pool to reuse (the caller closes it); overrides `threads`. */
  pool?: CodegenPool;
  /** The run's model stages, built once (`createModelStages`); none for a code-only run. */
  model?: RunModel;
  onProgress?: (p: Progress) => void;
  /** Write report.html (default true; false only to measure its cost). */
  report?: boolean;
  /** Learned routing weights between runs; default none. */
  weights?: RunParts['weights'];
  freshWeights?: boolean;
  warn?: RunParts['warn'];
  /**
   * Stops the run: in-flight work is dropped, nothing is published (the output directory keeps
   * the previous run's files) and the signal's reason is thrown.
   */
  signal?: AbortSignal;
}

/**
 * Embedded mode: {@link createRun} with its defaults — the thread executor (piscina threads for
 * code fields, model stages in this process), run state in memory, atomic files staged and
 * published together. Memory is bounded by the window of in-flight batches, not the record count.
 */
export async function runEmbedded(opts: RunEmbeddedOptions): Promise<Manifest> {
  const { loaded, ...rest } = opts;
  const { manifest, failure } = await createRun(loaded, { ...rest, mode: 'embedded' }).execute();
  // Stopped: nothing was published; the signal's reason says why (a RunInterrupted exits 130/143).
  if (failure) throw opts.signal?.aborted ? (opts.signal.reason ?? failure) : failure;
  return manifest;
}
