import { basename } from 'node:path';
import type { Logger } from '@synthfarm/core';
import { loadSpec } from '@synthfarm/engine';
import type { FarmPolicy } from '@synthfarm/spec';
import { runCoordinator } from './coordinator.js';
import type { FarmConnection } from './farm-connection.js';
import { claimFiringDir, pointLatest, pruneFirings } from './schedule-dirs.js';
import type { ScheduleJob } from './schedule-job.js';
import { postFiring } from './schedule-notify.js';
import { createdDirs, forgetDirs, recordFiring, rememberDir, type Firing } from './schedule-state.js';
import { submitRun } from './submit-run.js';

/** Longest error message kept in a firing's record and webhook. */
const MAX_ERROR = 500;

/**
 * One firing of a schedule, start to end, in this process: the stored spec is checked again
 * (with this process's farm policy), a directory `ROOT/NAME/<date>[-<time>]/` is claimed, the
 * farm run is submitted and coordinated here; then the outcome is recorded (for `schedule list`
 * and `/metrics`), `latest` is pointed at the firing when it completed, firings past `keep` are
 * pruned and the webhook is posted. Never throws for a failed run: the failure is the outcome.
 */
export async function fireSchedule(farm: FarmConnection, job: ScheduleJob, opts: { policy: FarmPolicy; log: Logger; at?: Date }): Promise<Firing> {
  const { log } = opts;
  const at = opts.at ?? new Date();
  const name = job.schedule;
  let outDir: string | undefined;
  let runId: string | undefined;
  let firing: Firing;
  try {
    const loaded = await loadSpec({ text: job.specText, source: job.source }, { env: {}, farmPolicy: opts.policy });
    outDir = await claimFiringDir(job.outRoot, name, job.tz, at);
    await rememberDir(farm, name, basename(outDir));
    runId = await submitRun(farm.store, loaded, { outDir, outRoot: job.outRoot, schedule: name });
    log.info({ schedule: name, runId, outDir }, 'schedule fired');
    const manifest = await runCoordinator({ farm, runId, log });
    const ds = Object.values(manifest.datasets);
    const written = ds.reduce((n, d) => n + d.written, 0);
    const rejected = ds.reduce((n, d) => n + d.rejected, 0);
    firing = { at: at.toISOString(), endedAt: new Date().toISOString(), status: manifest.status, code: manifest.status === 'completed' && rejected === 0 ? 0 : 1, written, rejected, outDir, runId };
  } catch (err) {
    const summary = runId ? await farm.store.summary(runId).catch(() => undefined) : undefined;
    firing = {
      at: at.toISOString(),
      endedAt: new Date().toISOString(),
      status: 'failed',
      code: 1,
      written: summary?.written ?? 0,
      rejected: summary?.rejected ?? 0,
      ...(outDir ? { outDir } : {}),
      ...(runId ? { runId } : {}),
      error: (err as Error).message.slice(0, MAX_ERROR),
    };
  }
  await recordFiring(farm, name, firing);
  (firing.code === 0 ? log.info : log.warn).call(log, { schedule: name, runId, outDir, status: firing.status, written: firing.written, rejected: firing.rejected, ...(firing.error ? { err: firing.error } : {}) }, 'schedule firing ended');

  if (outDir && firing.status === 'completed') {
    await pointLatest(job.outRoot, name, basename(outDir)).catch((err) => log.warn({ schedule: name, err: (err as Error).message }, 'latest link not updated'));
  }
  if (job.keep) {
    try {
      await forgetDirs(farm, name, await pruneFirings(job.outRoot, name, await createdDirs(farm, name), job.keep));
    } catch (err) {
      log.warn({ schedule: name, err: (err as Error).message }, 'old firings not pruned');
    }
  }
  if (job.notify) {
    const r = await postFiring(job.notify, opts.policy, name, firing);
    if (r.outcome === 'sent') log.info({ schedule: name, notify: r.detail }, 'schedule webhook posted');
    else if (r.outcome === 'failed') log.warn({ schedule: name, notify: r.detail }, 'schedule webhook not delivered');
  }
  return firing;
}
