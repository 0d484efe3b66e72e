import { resolve } from 'node:path';
import { ExitCode } from '@synthfarm/core';
import { checkCompiles } from '@synthfarm/codegen';
import { runEmbedded, type Manifest } from '@synthfarm/engine';
import { loadSpecFile } from '@synthfarm/spec';
import { createModelStages } from '@synthfarm/stages';
import { createProgressReporter } from '../progress-bar.js';

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

function printSummary(m: Manifest, dir: string, json: boolean): void {
  const out = process.stdout;
  for (const [name, d] of Object.entries(m.datasets)) {
    const files = d.files.map((f) => `${dir}/${f.path}`).join(', ');
    out.write(`${name}: ${d.written} written, ${d.rejected} rejected${files ? ` → ${files}` : ''}\n`);
  }
  out.write(`run ${m.runId} ${m.status} in ${(m.timings.totalMs / 1000).toFixed(1)} s; manifest: ${dir}/manifest.json${m.offline ? ' (offline: llm fields filled procedurally)' : ''}\n`);
  if (json) {
    const summary = {
      runId: m.runId, status: m.status, outDir: resolve(dir), offline: m.offline,
      datasets: Object.fromEntries(Object.entries(m.datasets).map(([k, d]) => [k, { requested: d.requested, written: d.written, rejected: d.rejected }])),
      durationMs: m.timings.totalMs,
    };
    out.write(JSON.stringify(summary) + '\n');
  }
}
