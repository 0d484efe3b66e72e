import { join, resolve } from 'node:path';
import { ExitCode, serializeError, SynthfarmError, UsageError } from '@synthfarm/core';
import { loadSpec, newRunId, parseRunOptions, runEmbedded, type Manifest, type RunModel } from '@synthfarm/engine';
import { farmPolicyFromOptions, type LoadedSpec } from '@synthfarm/spec';
import { DEFAULT_MAX_REJECTS, maxRejectsOf, parseMaxRejects, type MaxRejects } from '../max-rejects.js';
import { createProgressReporter } from '../progress-bar.js';
import { stopOnSignals } from '../stop-signals.js';
import { printSummary } from './print-summary.js';

export interface RunCommandOptions {
  count?: number;
  batchSize?: number;
  scale?: number;
  seed?: number;
  out?: string;
  threads?: number;
  offline?: boolean;
  maxCost?: number;
  maxDailyCost?: number;
  maxRejects?: MaxRejects;
  cacheDir?: string;
  cache?: boolean;
  freshWeights?: boolean;
  json?: boolean;
  redis?: string;
  detach?: boolean;
  secret?: string[];
  allowOrigin?: string[];
}

/** `synthfarm run SPEC`: embedded mode, or farm mode with --redis. With --json, a summary line ends stdout on failure too. */
export async function runCommand(file: string, opts: RunCommandOptions): Promise<void> {
  const runId = newRunId();
  const started = Date.now();
  let outDir = opts.out;
  try {
    await run(file, opts, runId, (dir) => (outDir = dir));
  } catch (err) {
    if (opts.json) {
      const e = serializeError(err);
      const exitCode = err instanceof SynthfarmError ? err.exitCode : ExitCode.Failed;
      const summary = {
        runId, status: e.code === 'INTERRUPTED' ? 'cancelled' : 'failed', ...(outDir ? { outDir: resolve(outDir) } : {}),
        error: { code: e.code, message: e.message }, exitCode, durationMs: Date.now() - started,
      };
      process.stdout.write(JSON.stringify(summary) + '\n');
    }
    throw err;
  }
}

async function run(file: string, opts: RunCommandOptions, runId: string, outDirIs: (dir: string) => void): Promise<void> {
  // The run's own options are checked first, by the run's schema (its rules and defaults): a bad
  // --threads is a usage error before the spec is read or a backend is asked.
  const { threads } = parseRunOptions({ threads: opts.threads });
  if (opts.maxDailyCost !== undefined && !opts.redis) throw new UsageError("--max-daily-cost is the farm's cap and needs --redis; an embedded run's daily cap is the spec's budgets.daily");
  // A spec run on a farm is checked against the farm's policy (DESIGN §11): its apiKeys name
  // bound secrets the workers resolve. Other ${VAR}s are this user's own, read here.
  const farmPolicy = opts.redis ? farmPolicyFromOptions(opts) : undefined;
  const loaded = await loadSpec({ file }, { overrides: { count: opts.count, batchSize: opts.batchSize, scale: opts.scale, seed: opts.seed, outDir: opts.out }, ...(farmPolicy ? { farmPolicy } : {}) });
  outDirIs(loaded.spec.output.dir);
  const total = loaded.spec.datasets.reduce((n, d) => n + d.count, 0);
  const maxRejects = maxRejectsOf(opts.maxRejects ?? parseMaxRejects(DEFAULT_MAX_REJECTS), total);
  if (opts.redis) {
    const { farmRun } = await import('./farm-run.js');
    const m = await farmRun(loaded, { redis: opts.redis, detach: opts.detach ?? false, offline: opts.offline ?? false, maxRejects, freshWeights: opts.freshWeights ?? false, ...(opts.maxCost !== undefined ? { maxCost: opts.maxCost } : {}), ...(opts.maxDailyCost !== undefined ? { maxDailyCost: opts.maxDailyCost } : {}), ...(opts.out ? { out: opts.out } : {}) });
    if (m) finish(m, loaded.spec.output.dir, opts);
    return;
  }
  const stop = stopOnSignals((sig) => `stopped by ${sig}: run ${runId} was not published; ${loaded.spec.output.dir} keeps what it had`);
  try {
    const model = await modelStagesOf(loaded, opts);
    if (opts.offline && model.stages.length) process.stderr.write('synthfarm: --offline: llm fields are filled procedurally, not by a model (recorded in the manifest)\n');
    const progress = createProgressReporter(total);
    let manifest: Manifest;
    try {
      manifest = await runEmbedded({
        loaded,
        runId,
        threads,
        model,
        offline: opts.offline ?? false,
        maxRejects,
        signal: stop.signal,
        onProgress: (p) => progress.update(p),
        // Learned routing weights live beside the response cache: state of this machine, not of one
        // output. --no-cache leaves no state behind: the run then learns within itself only.
        ...(opts.cache === false || !model.routed ? {} : { weights: await fileWeights(opts.cacheDir) }),
        freshWeights: opts.freshWeights ?? false,
        warn,
      });
    } finally {
      progress.stop();
      await model.close();
    }
    finish(manifest, loaded.spec.output.dir, opts);
  } finally {
    stop.dispose();
  }
}

/**
 * The run's model stages. A spec with no backend and no --offline has none, and loads none of the
 * model side (clients, stages, routing): most of a short code-only run's start-up.
 */
async function modelStagesOf(loaded: LoadedSpec, opts: RunCommandOptions): Promise<RunModel & { routed: boolean; close(): Promise<void> }> {
  if (!opts.offline && Object.keys(loaded.spec.backends ?? {}).length === 0) return { stages: [], windowFor: () => undefined, manifestExtras: () => ({ backends: {} }), routed: false, close: async () => undefined };
  const { createModelStages } = await import('@synthfarm/stages');
  const model = await createModelStages(loaded, {
    offline: opts.offline ?? false,
    maxCostUsd: opts.maxCost,
    cacheDir: opts.cache === false ? undefined : opts.cacheDir,
  });
  return Object.assign(model, { routed: true });
}

async function fileWeights(cacheDir: string | undefined) {
  const { createFileWeightStore, WEIGHTS_FILE } = await import('@synthfarm/routing');
  return createFileWeightStore(join(cacheDir ?? '.synthfarm-cache', WEIGHTS_FILE), warn);
}

function warn(message: string): void {
  process.stderr.write(`synthfarm: ${message}\n`);
}

/** Prints the summary, says why a run did not complete, and sets the exit code. */
function finish(manifest: Manifest, dir: string, opts: RunCommandOptions): void {
  printSummary(manifest, dir, opts.json ?? false);
  if (manifest.status === 'budget_exceeded') {
    const why = manifest.budget?.stoppedBy ?? (opts.maxCost !== undefined ? `--max-cost ${opts.maxCost} USD reached` : 'a budget was reached');
    const rejected = Object.values(manifest.datasets).reduce((n, d) => n + d.rejected, 0);
    process.stderr.write(`synthfarm: budget reached: ${why}. Stopped after the batches in flight (spent ${manifest.budget?.spent ?? '?'} USD); ${rejected} records not generated are in rejects.jsonl (reason budget_exceeded)\n`);
  }
  else if (manifest.status === 'cancelled') process.stderr.write(`synthfarm: run ${manifest.runId} was cancelled; records not written are in rejects.jsonl (reason cancelled)\n`);
  else if (manifest.status !== 'completed' && manifest.error) process.stderr.write(`synthfarm: ${manifest.error.message}\n`);
  process.exitCode = manifest.status === 'completed' ? ExitCode.Ok : ExitCode.Failed;
}
