import { ExitCode, UsageError } from '@synthfarm/core';
import { connectFarm } from '@synthfarm/farm';
import { coordinate } from './farm-run.js';
import { printSummary } from './print-summary.js';
import { redisUrl } from './redis-url.js';

/** `synthfarm resume RUN`: finishes a run whose coordinator died. */
export async function resumeCommand(runId: string, opts: { redis?: string; json?: boolean }): Promise<void> {
  const farm = await connectFarm(redisUrl(opts));
  try {
    const run = await farm.store.summary(runId);
    if (!run) throw new UsageError(`no run ${runId} in ${farm.url} (synthfarm status lists runs)`);
    const manifest = await coordinate(farm, runId, run.total);
    printSummary(manifest, run.outDir, opts.json ?? false);
    process.exitCode = manifest.status === 'completed' ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await farm.close();
  }
}
