import { UsageError } from '@synthfarm/core';
import { connectFarm, type RunSummary } from '@synthfarm/farm';
import { redisUrl } from './redis-url.js';

/** `synthfarm status [RUN]`: one run's progress, per-host throughput and ETA, or the list of runs. */
export async function statusCommand(runId: string | undefined, opts: { redis?: string; json?: boolean }): Promise<void> {
  const farm = await connectFarm(redisUrl(opts));
  try {
    if (!runId) {
      const runs = await farm.store.list(50);
      if (opts.json) process.stdout.write(JSON.stringify({ runs }) + '\n');
      else if (!runs.length) process.stdout.write('no runs\n');
      else for (const r of runs) process.stdout.write(`${r.runId}  ${r.state.padEnd(15)} ${r.done}/${r.total} (${r.written} written, ${r.rejected} rejected)  ${r.createdAt}${r.schedule ? `  schedule ${r.schedule}` : ''}\n`);
      return;
    }
    const r = await farm.store.summary(runId);
    if (!r) throw new UsageError(`no run ${runId} in ${farm.url} (synthfarm status lists runs)`);
    if (opts.json) process.stdout.write(JSON.stringify(r) + '\n');
    else process.stdout.write(formatRun(r));
  } finally {
    await farm.close();
  }
}

function formatRun(r: RunSummary): string {
  const pct = r.total ? ((r.done / r.total) * 100).toFixed(1) : '0';
  const lines = [
    `run ${r.runId}: ${r.state}${r.error ? ` (${r.error})` : ''}`,
    `  progress ${r.done}/${r.total} (${pct}%): ${r.written} written, ${r.rejected} rejected${r.recordsPerSec !== undefined ? `, ${r.recordsPerSec} rec/s, ${r.tokensPerSec ?? 0} tok/s` : ''}${r.etaSeconds !== undefined ? `, ETA ${r.etaSeconds} s` : ''}${r.costUsd > 0 ? `, $${r.costUsd.toFixed(4)} spent` : ''}`,
    `  output ${r.outDir}`,
  ];
  for (const [h, p] of Object.entries(r.hosts)) lines.push(`  host ${h}: ${p.records} records, ${p.recordsPerSec} rec/s, ${p.tokensOut} tokens out${p.circuit !== 'closed' ? `, circuit ${p.circuit}` : ''}`);
  return lines.join('\n') + '\n';
}
