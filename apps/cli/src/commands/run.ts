import { ExitCode } from '@synthfarm/core';
import { checkCompiles } from '@synthfarm/codegen';
import { runEmbedded, type Manifest } from '@synthfarm/engine';
import { loadSpecFile } from '@synthfarm/spec';
import { createModelStages } from '@synthfarm/stages';
import { createProgressReporter } from '../progress-bar.js';
import { printSummary } from './print-summary.js';

export interface RunCommandOptions {
  count?: number;
  batchSize?: number;
  seed?: number;
  out?: string;
  threads?: number;
  offline?: boolean;
  maxCost?: number;
  cacheDir?: string;
  cache?: boolean;
  json?: boolean;
  redis?: string;
  detach?: boolean;
}

/** `synthfarm run SPEC`: embedded mode, or farm mode with --redis. */
export async function runCommand(file: string, opts: RunCommandOptions): Promise<void> {
  const loaded = await loadSpecFile(file, { overrides: { count: opts.count, batchSize: opts.batchSize, seed: opts.seed, outDir: opts.out } });
  await checkCompiles(loaded.spec);
  if (opts.redis) {
    const { farmRun } = await import('./farm-run.js');
    const m = await farmRun(loaded, { redis: opts.redis, detach: opts.detach ?? false, offline: opts.offline ?? false, ...(opts.maxCost !== undefined ? { maxCost: opts.maxCost } : {}), ...(opts.out ? { out: opts.out } : {}) });
    if (m) {
      printSummary(m, loaded.spec.output.dir, opts.json ?? false);
      if (m.status === 'cancelled') process.stderr.write(`synthfarm: run ${m.runId} was cancelled; records not written are in rejects.jsonl (reason cancelled)\n`);
      process.exitCode = m.status === 'completed' ? ExitCode.Ok : ExitCode.Failed;
    }
    return;
  }
  const model = await createModelStages(loaded, {
    offline: opts.offline ?? false,
    maxCostUsd: opts.maxCost,
    cacheDir: opts.cache === false ? undefined : opts.cacheDir,
  });
  if (opts.offline && model.stages.length) process.stderr.write('synthfarm: --offline: llm fields are filled procedurally, not by a model (recorded in the manifest)\n');
  const total = loaded.spec.datasets.reduce((n, d) => n + d.count, 0);
  const progress = createProgressReporter(total);
  let manifest: Manifest;
  try {
    manifest = await runEmbedded({
      loaded,
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
      stages: model.stages,
      shouldStop: model.shouldStop,
      windowFor: model.windowFor,
      manifestExtras: model.manifestExtras,
      offline: opts.offline ?? false,
      onProgress: (p) => progress.update({ ...p, tokensOut: model.tokensOut() }),
    });
  } finally {
    progress.stop();
    await model.close();
  }
  printSummary(manifest, loaded.spec.output.dir, opts.json ?? false);
  if (manifest.status === 'budget_exceeded') process.stderr.write(`synthfarm: --max-cost ${opts.maxCost} USD reached: stopped after the batches in flight; records not generated are in rejects.jsonl (reason budget_exceeded)\n`);
  process.exitCode = manifest.status === 'completed' ? ExitCode.Ok : ExitCode.Failed;
}
