import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { applyFarmBudget, connectFarm, runCoordinator, submitRun } from '@synthfarm/farm';
import type { Manifest } from '@synthfarm/engine';
import type { LoadedSpec } from '@synthfarm/spec';
import { createProgressReporter } from '../progress-bar.js';
import { stopOnSignals } from '../stop-signals.js';

/**
 * Farm mode: records the run in Redis, then coordinates it here (produce, aggregate, wait), or
 * with --detach hands coordination to a background `synthfarm resume RUN` and prints the id.
 */
export async function farmRun(loaded: LoadedSpec, opts: { redis: string; detach?: boolean; offline?: boolean; maxCost?: number; maxDailyCost?: number; maxRejects?: number; out?: string; freshWeights?: boolean }): Promise<Manifest | undefined> {
  const farm = await connectFarm(opts.redis);
  try {
    await applyFarmBudget(farm.redis, farm.keys, { maxDailyCostUsd: opts.maxDailyCost });
    const runId = await submitRun(farm.store, loaded, { offline: opts.offline ?? false, maxCostUsd: opts.maxCost, maxRejects: opts.maxRejects, ...(opts.out ? { outDir: opts.out } : {}), ...(opts.freshWeights ? { freshWeights: true } : {}) });
    if (opts.detach) {
      const bin = fileURLToPath(new URL('../../bin/synthfarm.js', import.meta.url));
      const child = spawn(process.execPath, [bin, 'resume', runId, '--redis', opts.redis], { detached: true, stdio: 'ignore', env: process.env });
      child.unref();
      process.stdout.write(`${runId}\n`);
      return undefined;
    }
    return await coordinate(farm, runId, loaded.spec.datasets.reduce((n, d) => n + d.count, 0));
  } finally {
    await farm.close();
  }
}

/** Runs (or resumes) a run's coordinator in this process with a progress bar. */
export async function coordinate(farm: Awaited<ReturnType<typeof connectFarm>>, runId: string, total: number): Promise<Manifest> {
  // Its heap growth is bounded by the launcher (bin/synthfarm.js) for `run --redis` and `resume`,
  // before the CLI loads: set here, after the load, it would also change the flags the code cache
  // is written under. `cancel` coordinates only the end of a run it cancels.
  const progress = createProgressReporter(total);
  const stop = stopOnSignals((sig) => `stopped by ${sig}: run ${runId} is left as it is; synthfarm resume ${runId} finishes it`);
  try {
    return await runCoordinator({ farm, runId, onProgress: (p) => progress.update(p), onWarning: (m) => process.stderr.write(`synthfarm: ${m}\n`), signal: stop.signal });
  } catch (err) {
    // The coordinator stops with its own error; the signal's reason carries the exit code.
    throw stop.signal.aborted ? stop.signal.reason : err;
  } finally {
    progress.stop();
    stop.dispose();
  }
}
