import { randomBytes } from 'node:crypto';
import { sha256 } from '@synthfarm/core';
import { resolveChildCounts } from '@synthfarm/codegen';
import { isModelDataset, runSpec, type Spec } from '@synthfarm/spec';
import type { BatchExecutor } from './batch-executor.js';
import { createBatchProcessor } from './batch-processor.js';
import { createCodegenPool, defaultThreads, lazyPool, type CodegenPool } from './codegen-pool.js';
import { runCommitter, type CommitterOptions, type CommitterResult } from './committer.js';
import type { Manifest } from './manifest.js';
import type { RunBudget } from './run-budget.js';
import type { RunEstimate } from './run-estimate.js';
import { createMemoryRunState } from './memory-run-state.js';
import type { RunState } from './run-state.js';
import { parseRunOptions, type RunOptionsInput } from './run-options.js';
import type { RecordStage } from './staged-batch.js';
import { createThreadExecutor } from './thread-executor.js';

/** Largest thread task of a code-only dataset, in records. */
export const CODE_TASK_RECORDS = 250;

/** Creates a run id: sortable by time, unique enough for one machine or farm. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${randomBytes(3).toString('hex')}`;
}

/** What a run is made from: a loaded spec, or a stored run's spec and hash. */
export interface RunSource {
  spec: Spec;
  sha256: string;
}

/** The model stages of a run as the pipeline uses them (what `createModelStages` returns). */
export interface RunModel {
  stages: RecordStage[];
  /** The run's budgets (caps reserved per batch before dispatch); undefined when it has none. */
  budget?: RunBudget | undefined;
  /** What the plan predicts for the run (the manifest compares it with what the run made). */
  estimate?: RunEstimate | undefined;
  /** Batches in flight that keep the model's slots busy, for model datasets. */
  windowFor(datasetIndex: number): number | undefined;
  /** The manifest's `backends` section. */
  manifestExtras(): Pick<Manifest, 'backends'>;
}

/** What an executor is built from: the run's parts, made once by {@link createRun}. */
export interface ExecutorContext {
  runId: string;
  spec: Spec;
  specKey: string;
  pool: CodegenPool;
  state: RunState;
  signal?: AbortSignal | undefined;
}

/** Mode-specific parts of a run, passed in by its mode (farm passes its BullMQ executor and Redis state). */
export interface RunParts {
  /** Default: the thread executor (code fields on `pool`, `model`'s stages in this process). */
  executor?: (ctx: ExecutorContext) => BatchExecutor;
  /** Default: in memory (an embedded run is not resumable). */
  state?: (spec: Spec) => RunState;
  /** A pool to use (the caller closes it). Default: one made from `threads`, closed by the run. */
  pool?: CodegenPool;
  /** Model stages built once for the run (embedded mode; farm workers build their own). */
  model?: RunModel;
  /**
   * Batches in flight for dataset `d`, asked before each round of dispatching (farm: sized from
   * the live workers' heartbeats). Default the `window` option, else `model`'s, else 8 per thread.
   */
  windowFor?: CommitterOptions['window'];
  /** The run's budgets; default `model`'s (a farm coordinator passes one counting the day in Redis). */
  budget?: RunBudget | undefined;
  /** The plan's estimate of the run; default `model`'s. */
  estimate?: RunEstimate | undefined;
  cancelled?: CommitterOptions['cancelled'];
  onDataset?: CommitterOptions['onDataset'];
  /** The manifest's `backends` section. Default `model`'s, else none. */
  backends?: CommitterOptions['backends'];
  onProgress?: CommitterOptions['onProgress'];
  /** Where the run's events also go besides events.jsonl (farm: a bounded Redis stream). */
  events?: CommitterOptions['events'];
  /** Called with the run's record as it changes (farm: stored for status, SSE and /metrics). */
  onRecord?: CommitterOptions['onRecord'];
  /** Learned routing weights between runs (embedded: a file in the cache dir; farm: Redis). Default none. */
  weights?: CommitterOptions['weights'];
  /** Start routing from no weights (`--fresh-weights`). */
  freshWeights?: boolean;
  /** Told of routing warnings. */
  warn?: CommitterOptions['warn'];
  signal?: AbortSignal | undefined;
  /** Output directory; default the spec's `output.dir`. */
  dir?: string;
  /**
   * Write report.html (and gather its summaries). Default true: every run has its report
   * (DESIGN §10); false only to measure what the report costs (`npm run bench:report`).
   */
  report?: boolean;
  outRoot?: string | undefined;
  startedAt?: Date;
}

/** Options of {@link createRun}: plain values (parsed by {@link RunOptionsSchema}) plus the run's parts. */
export type CreateRunOptions = RunOptionsInput & RunParts;

/** A run, built and not yet started. */
export interface Run {
  readonly runId: string;
  /** The spec the run executes ({@link runSpec}: enrich fields as columns). */
  readonly spec: Spec;
  /** Runs the committer to the end. Resolves with what was published, and the failure if any. */
  execute(): Promise<CommitterResult>;
}

/**
 * The one composition root of a run, in both modes: the run's spec, its code-thread pool, run
 * state, executor and committer, wired once. The CLI's `run`, the farm coordinator (which the
 * CLI, the API and schedules start) all build their run here; what differs between modes comes
 * in through {@link RunParts}.
 * @throws UsageError `[run] invalid options: threads: ...` for a bad option (exit 2).
 */
export function createRun(source: RunSource, options: CreateRunOptions): Run {
  const o = parseRunOptions(options);
  // Derived counts are a function of the spec: a spec validated by the spec package alone (not
  // through loadSpec) runs with the same counts.
  resolveChildCounts(source.spec);
  const spec = runSpec(source.spec);
  const startedAt = options.startedAt ?? new Date();
  const runId = o.runId ?? newRunId(startedAt);
  const embedded = o.mode === 'embedded';
  // Worker threads cache compiled datasets by this key: the spec as parsed (seed and overrides
  // included), not the file's hash, so a --seed override never meets a stale compilation. A farm
  // run's id names its stored spec.
  const specKey = embedded ? sha256(JSON.stringify(spec)) : runId;
  const codeOnly = (d: number) => !!spec.datasets[d]!.fields && !isModelDataset(spec.datasets[d]!);
  const model = options.model;
  return {
    runId,
    spec,
    async execute() {
      const maxBatchRecords = Math.max(...spec.datasets.map((d) => d.batchSize));
      // A code-only dataset's bytes do not depend on how it is cut, so its thread tasks are at
      // most CODE_TASK_RECORDS long: a task's garbage then dies young in the thread's heap
      // (measured: 250 → ~126k records/s and ~250 MB; 500 → ~118k and ~285 MB; 1000 → 95k).
      // A farm run keeps whole batches: a job per batch is what the queue can carry. So does a
      // run loading PostgreSQL: a batch is one transaction and one ledger range there, the same
      // as a farm run's (so either resumes the other's load), and 250-record tasks were 20×
      // the transactions, each waiting for a server that waits for a core (most of the load's time).
      const batchRecords = (d: number) => (embedded && codeOnly(d) && !spec.output.postgres ? Math.min(spec.datasets[d]!.batchSize, CODE_TASK_RECORDS) : spec.datasets[d]!.batchSize);
      const maxTaskRecords = Math.max(...spec.datasets.map((_, d) => batchRecords(d)));
      const threads = o.threads ?? defaultThreads(spec.datasets.reduce((n, d) => n + d.count, 0));
      // Farm coordinators need threads only for the key pass of unique fields: started on first use.
      const pool = options.pool ?? (embedded ? createCodegenPool(threads, { maxBatchRecords, maxTaskRecords }) : lazyPool(() => createCodegenPool(threads, { maxBatchRecords, maxTaskRecords })));
      const state = options.state?.(spec) ?? createMemoryRunState(spec);
      const ctx: ExecutorContext = { runId, spec, specKey, pool, state, signal: options.signal };
      const executor = options.executor?.(ctx) ?? createThreadExecutor(createBatchProcessor({ spec, specKey, pool, stages: model?.stages ?? [], summarize: options.report !== false }), (d) => state.refColumns(d), options.signal);
      const budget = options.budget ?? model?.budget;
      try {
        return await runCommitter({
          runId, mode: o.mode, spec, specSha256: source.sha256, specKey, offline: o.offline,
          dir: options.dir ?? spec.output.dir, outRoot: options.outRoot, startedAt, state, executor, pool,
          batchRecords,
          window: options.windowFor ?? ((d) => o.window ?? model?.windowFor(d) ?? Math.max(8, pool.threads * 8)),
          ...(budget ? { budget } : {}),
          ...((options.estimate ?? model?.estimate) ? { estimate: options.estimate ?? model?.estimate } : {}),
          ...(options.cancelled ? { cancelled: options.cancelled } : {}),
          ...(options.onDataset ? { onDataset: options.onDataset } : {}),
          backends: options.backends ?? (() => model?.manifestExtras().backends ?? {}),
          audit: !!spec.stages.enrich && !o.offline && spec.datasets.some(isModelDataset),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.events ? { events: options.events } : {}),
          ...(options.onRecord ? { onRecord: options.onRecord } : {}),
          ...(options.weights ? { weights: options.weights } : {}),
          ...(options.freshWeights ? { freshWeights: true } : {}),
          ...(options.warn ? { warn: options.warn } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          maxRejects: o.maxRejects,
          report: options.report !== false,
          resumable: !embedded,
        });
      } finally {
        if (!options.pool) await pool.close();
        // Sources this process opened for the run's batches (a database connection each).
        if (spec.datasets.some((d) => d.source)) await (await import('./source-rows.js')).closeSources(specKey);
      }
    },
  };
}
