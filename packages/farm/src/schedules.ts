import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import { UsageError, createLogger, type Logger } from '@synthfarm/core';
import { loadSpec } from '@synthfarm/engine';
import { createFarmPolicy, type FarmPolicy } from '@synthfarm/spec';
import { runCoordinator } from './coordinator.js';
import type { FarmConnection } from './farm-connection.js';
import { submitRun } from './submit-run.js';

/** The queue whose job schedulers fire nightly fixtures. */
export const SCHEDULE_QUEUE = 'schedules';

/**
 * What a schedule carries: the spec as written. It reads no environment when it fires (the
 * firing process's environment is not the submitter's): `${VAR:-default}` takes its default and
 * an apiKey names a secret the operator bound, which workers resolve.
 */
export const ScheduleJobSchema = z.object({
  schedule: z.string().min(1),
  specText: z.string().min(1),
  source: z.string(),
  /** Absolute root; each firing writes to `<outRoot>/<schedule>/<date>/`. */
  outRoot: z.string().min(1),
  tz: z.string().default('UTC'),
});
export type ScheduleJob = z.infer<typeof ScheduleJobSchema>;

export interface ScheduleInfo {
  name: string;
  cron?: string;
  everyMs?: number;
  tz?: string;
  /** Next firing, ISO-8601. */
  next?: string;
  outRoot?: string;
}

function queueOf(farm: FarmConnection): Queue {
  const q = new Queue(SCHEDULE_QUEUE, { connection: { url: farm.url, maxRetriesPerRequest: null }, prefix: farm.keys.prefix });
  q.on('error', () => undefined); // surfaced by the awaited call that needed the connection
  return q;
}

/** `YYYY-MM-DD` of an instant in a time zone. */
export function dateIn(tz: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * Adds or replaces a schedule (a BullMQ job scheduler). The spec is validated now, so a bad
 * spec fails here (exit 2) and not at 2 a.m. Exactly one of `cron` or `everyMs`.
 */
export async function addSchedule(farm: FarmConnection, opts: { name: string; specText: string; source: string; cron?: string; everyMs?: number; tz?: string; outRoot: string; policy?: FarmPolicy }): Promise<ScheduleInfo> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(opts.name)) throw new UsageError(`schedule name '${opts.name}': letters, digits, _ and -, starting with a letter or digit`);
  if (!opts.cron === !opts.everyMs) throw new UsageError('schedule add needs exactly one of --cron EXPR or --every MS');
  const tz = opts.tz ?? 'UTC';
  try {
    dateIn(tz, new Date());
  } catch {
    throw new UsageError(`--tz ${tz}: not a time zone (e.g. UTC, Europe/Berlin)`);
  }
  await loadSpec({ text: opts.specText, source: opts.source }, { env: {}, farmPolicy: opts.policy ?? createFarmPolicy() });
  const q = queueOf(farm);
  try {
    const data: ScheduleJob = { schedule: opts.name, specText: opts.specText, source: opts.source, outRoot: resolve(opts.outRoot), tz };
    await q.upsertJobScheduler(opts.name, opts.cron ? { pattern: opts.cron, tz } : { every: opts.everyMs! }, { name: 'fire', data, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  } catch (err) {
    if (opts.cron) throw new UsageError(`--cron '${opts.cron}': not a cron expression (${(err as Error).message})`);
    throw err;
  } finally {
    await q.close();
  }
  return (await listSchedules(farm)).find((s) => s.name === opts.name) ?? { name: opts.name };
}

export async function listSchedules(farm: FarmConnection): Promise<ScheduleInfo[]> {
  const q = queueOf(farm);
  try {
    const list = await q.getJobSchedulers(0, -1, true);
    return list.map((s) => {
      const data = (s.template?.data ?? {}) as Partial<ScheduleJob>;
      return {
        name: s.key,
        ...(s.pattern ? { cron: s.pattern } : {}),
        ...(s.every ? { everyMs: Number(s.every) } : {}),
        ...(s.tz ? { tz: s.tz } : {}),
        ...(s.next ? { next: new Date(s.next).toISOString() } : {}),
        ...(data.outRoot ? { outRoot: data.outRoot } : {}),
      };
    });
  } finally {
    await q.close();
  }
}

export async function removeSchedule(farm: FarmConnection, name: string): Promise<void> {
  const q = queueOf(farm);
  try {
    if (!(await q.removeJobScheduler(name))) throw new UsageError(`no schedule '${name}' (synthfarm schedule list shows them)`);
  } finally {
    await q.close();
  }
}

/** Where a firing writes: `<root>/<name>/<date>/`, with the time added if that day already ran. */
export function firingDir(job: ScheduleJob, at: Date): string {
  const day = join(job.outRoot, job.schedule, dateIn(job.tz, at));
  if (!existsSync(join(day, 'manifest.json'))) return day;
  return `${day}T${at.toISOString().slice(11, 19).replace(/:/g, '')}`;
}

/**
 * Takes schedule firings: each one becomes a farm run (coordinated in this process) writing to
 * its dated directory with its own manifest. Workers and the API server run one.
 */
export function createScheduleWorker(farm: FarmConnection, opts: { log?: Logger; policy?: FarmPolicy } = {}): Worker {
  const log = opts.log ?? createLogger({ name: 'schedules' });
  const policy = opts.policy ?? createFarmPolicy();
  const worker = new Worker(
    SCHEDULE_QUEUE,
    async (job: Job) => {
      const data = ScheduleJobSchema.parse(job.data);
      const loaded = await loadSpec({ text: data.specText, source: data.source }, { env: {}, farmPolicy: policy });
      const outDir = firingDir(data, new Date(job.timestamp));
      const runId = await submitRun(farm.store, loaded, { outDir, schedule: data.schedule });
      log.info({ schedule: data.schedule, runId, outDir }, 'schedule fired');
      const manifest = await runCoordinator({ farm, runId, log });
      return { runId, outDir, status: manifest.status };
    },
    { connection: { url: farm.url, maxRetriesPerRequest: null }, prefix: farm.keys.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => log.warn({ err: err.message }, 'schedule queue connection error'));
  return worker;
}
