import { UsageError } from '@synthfarm/core';
import { connectFarm, FINAL_STATES, requestCancel, runLockHolder, type RunSummary } from '@synthfarm/farm';
import { coordinate } from './farm-run.js';
import { redisUrl } from './redis-url.js';

/** How long `cancel` waits for the run's coordinator to end it, in ms. */
const WAIT_MS = 60_000;

/**
 * `synthfarm cancel RUN`: ends a run; what was not written becomes rejects with reason
 * `cancelled` (DESIGN §4). Waits until the run's coordinator has written its manifest, or ends
 * the run here when no coordinator is alive. A run that has ended is refused (exit 2) and left
 * untouched.
 */
export async function cancelCommand(runId: string, opts: { redis?: string; json?: boolean }): Promise<void> {
  const farm = await connectFarm(redisUrl(opts));
  try {
    const req = await requestCancel(farm.redis, farm.keys, runId);
    if (req.outcome === 'not_found') throw new UsageError(`no run ${runId} in ${farm.url} (synthfarm status lists runs)`);
    if (req.outcome === 'finished') throw new UsageError(`run ${runId} is already ${req.state}: there is nothing to cancel`);
    let run: RunSummary | undefined;
    if ((await runLockHolder(farm.redis, farm.keys, runId)) === undefined) {
      // Nobody coordinates it (never started, or its coordinator died): end it here.
      const summary = await farm.store.summary(runId);
      await coordinate(farm, runId, summary?.total ?? 0).catch(() => undefined);
    }
    const until = Date.now() + WAIT_MS;
    for (;;) {
      run = await farm.store.summary(runId);
      if (run && (FINAL_STATES as readonly string[]).includes(run.state)) break;
      if (Date.now() > until) throw new UsageError(`run ${runId}: cancel requested, but its coordinator (pid ${await runLockHolder(farm.redis, farm.keys, runId)}) has not ended it within ${WAIT_MS / 1000} s; synthfarm status ${runId} shows when it does`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (opts.json) process.stdout.write(JSON.stringify(run) + '\n');
    else process.stdout.write(`run ${runId} ${run.state}: ${run.written} written, ${run.rejected} rejected of ${run.total}\n`);
  } finally {
    await farm.close();
  }
}
