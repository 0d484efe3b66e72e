import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { UsageError, createLogger, type Logger } from '@synthfarm/core';
import { loadSpec } from '@synthfarm/engine';
import { checkAllowedUrl, createFarmPolicy, originOf, type FarmPolicy } from '@synthfarm/spec';
import type { FarmConnection } from './farm-connection.js';
import { dayAndTime } from './schedule-dirs.js';
import { fireSchedule } from './schedule-firing.js';
import { ScheduleJobSchema, type ScheduleJob } from './schedule-job.js';
import { NotifySchema, type Notify } from './schedule-notify.js';
import { dropScheduleState, readScheduleState, type Firing } from './schedule-state.js';

/** The queue whose job schedulers fire nightly fixtures. */
export const SCHEDULE_QUEUE = 'schedules';

/** Whether a schedule's spec file still holds what the schedule runs. */
export type SpecFileState = 'unchanged' | 'changed' | 'missing' | 'unknown';

export interface ScheduleInfo {
  name: string;
  cron?: string;
  everyMs?: number;
  tz?: string;
  /** Next firing, ISO-8601. */
  next?: string;
  outRoot?: string;
  /**
   * The spec the schedule runs: its file, the sha256 of the text stored at `add` / `update`, and
   * whether the file holds something else now (`changed`: `schedule update NAME` stores it;
   * `unknown` for schedules added before the path was kept).
   */
  spec?: { path?: string; sha256?: string; file: SpecFileState };
  /** Firing directories kept (older ones are deleted); absent: all kept. */
  keep?: number;
  /** The webhook's origin (never its full URL, whose path may be a secret token) and when it posts. */
  notify?: { origin: string; on: Notify['on'] };
  /** The newest firing. */
  last?: Firing;
  /** Start of the newest firing that completed with no rejects, ISO-8601. */
  lastSuccessAt?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function queueOf(farm: FarmConnection): Queue {
  const q = new Queue(SCHEDULE_QUEUE, { connection: { url: farm.url, maxRetriesPerRequest: null }, prefix: farm.keys.prefix });
  q.on('error', () => undefined); // surfaced by the awaited call that needed the connection
  return q;
}

/** What a schedule's firings do besides running the spec: pruning and a webhook. */
export interface ScheduleExtras {
  /** Firing directories to keep (>= 1); undefined: all. */
  keep?: number | undefined;
  notify?: { url: string; on?: Notify['on'] | undefined; timeoutMs?: number | undefined } | undefined;
}

/** Checks the extras: `keep` a positive integer, the notify URL of an allowed origin (UsageError / SpecError, exit 2). */
function checkExtras(extras: ScheduleExtras, policy: FarmPolicy): Pick<ScheduleJob, 'keep' | 'notify'> {
  if (extras.keep !== undefined && !(Number.isInteger(extras.keep) && extras.keep >= 1)) throw new UsageError(`--keep ${extras.keep}: must be an integer >= 1 (firing directories to keep)`);
  let notify: Notify | undefined;
  if (extras.notify) {
    const parsed = NotifySchema.safeParse(extras.notify);
    if (!parsed.success) throw new UsageError(`--notify: ${parsed.error.issues[0]!.message}`);
    checkAllowedUrl(policy, parsed.data.url, '--notify');
    notify = parsed.data;
  }
  return { ...(extras.keep !== undefined ? { keep: extras.keep } : {}), ...(notify ? { notify } : {}) };
}

/** Reads a spec file (UsageError, exit 2, when it cannot be read). */
async function readSpecFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`spec file ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read'}: ${path}`);
  }
}

/**
 * Adds or replaces a schedule (a BullMQ job scheduler). The spec is validated now with every
 * check `run` does, so a bad spec fails here (exit 2) and not at 2 a.m. Exactly one of `cron` or
 * `everyMs`. The spec file's path and hash are kept: `schedule list` says when the file changes.
 */
export async function addSchedule(farm: FarmConnection, opts: { name: string; specText: string; source: string; specPath?: string; cron?: string; everyMs?: number; tz?: string; outRoot: string; policy?: FarmPolicy } & ScheduleExtras): Promise<ScheduleInfo> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(opts.name)) throw new UsageError(`schedule name '${opts.name}': letters, digits, _ and -, starting with a letter or digit`);
  if (!opts.cron === !opts.everyMs) throw new UsageError('schedule add needs exactly one of --cron EXPR or --every MS');
  const tz = opts.tz ?? 'UTC';
  try {
    dayAndTime(tz, new Date());
  } catch {
    throw new UsageError(`--tz ${tz}: not a time zone (e.g. UTC, Europe/Berlin)`);
  }
  const policy = opts.policy ?? createFarmPolicy();
  const extras = checkExtras(opts, policy);
  await loadSpec({ text: opts.specText, source: opts.source }, { env: {}, farmPolicy: policy });
  const data: ScheduleJob = { schedule: opts.name, specText: opts.specText, source: opts.source, specPath: resolve(opts.specPath ?? opts.source), specSha256: sha256(opts.specText), outRoot: resolve(opts.outRoot), tz, ...extras };
  try {
    await upsert(farm, opts.name, opts.cron ? { pattern: opts.cron, tz } : { every: opts.everyMs! }, data);
  } catch (err) {
    if (opts.cron) throw new UsageError(`--cron '${opts.cron}': not a cron expression (${(err as Error).message})`);
    throw err;
  }
  return getSchedule(farm, opts.name);
}

async function upsert(farm: FarmConnection, name: string, repeat: { pattern: string; tz: string } | { every: number }, data: ScheduleJob): Promise<void> {
  const q = queueOf(farm);
  try {
    await q.upsertJobScheduler(name, repeat, { name: 'fire', data, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  } finally {
    await q.close();
  }
}

/** A schedule's stored job and timing; UsageError when there is no such schedule. */
async function storedSchedule(farm: FarmConnection, name: string): Promise<{ job: ScheduleJob; repeat: { pattern: string; tz: string } | { every: number } }> {
  const q = queueOf(farm);
  try {
    const s = await q.getJobScheduler(name);
    if (!s) throw new UsageError(`no schedule '${name}' (synthfarm schedule list shows them)`);
    const job = ScheduleJobSchema.parse(s.template?.data);
    return { job, repeat: s.pattern ? { pattern: s.pattern, tz: s.tz ?? job.tz } : { every: Number(s.every) } };
  } finally {
    await q.close();
  }
}

/**
 * Re-reads a schedule's spec file, checks it as `add` does, and stores it; `keep` and `notify`
 * change when given (`null` removes them). Timing and output root stay. A schedule added before
 * its path was kept has none to re-read: UsageError saying to add it again.
 */
export async function updateSchedule(farm: FarmConnection, name: string, opts: { policy?: FarmPolicy; keep?: number | null; notify?: ScheduleExtras['notify'] | null } = {}): Promise<ScheduleInfo & { specChanged: boolean }> {
  const { job, repeat } = await storedSchedule(farm, name);
  if (!job.specPath) throw new UsageError(`schedule '${name}' was added without its spec file's path; add it again (synthfarm schedule add ${name} SPEC ...)`);
  const policy = opts.policy ?? createFarmPolicy();
  const specText = await readSpecFile(job.specPath);
  // A webhook kept as it was is not checked again here (the firing process checks it each time).
  const checked = checkExtras({ keep: opts.keep === undefined ? job.keep : opts.keep ?? undefined, notify: opts.notify ?? undefined }, policy);
  const extras = { ...checked, ...(opts.notify === undefined && job.notify ? { notify: job.notify } : {}) };
  await loadSpec({ text: specText, source: job.source }, { env: {}, farmPolicy: policy });
  const { keep: _keep, notify: _notify, ...rest } = job;
  const specSha256 = sha256(specText);
  await upsert(farm, name, repeat, { ...rest, specText, specSha256, ...extras });
  return { ...(await getSchedule(farm, name)), specChanged: specSha256 !== job.specSha256 };
}

/** The spec file's state against the hash stored with the schedule. */
async function specFileState(job: Partial<ScheduleJob>): Promise<SpecFileState> {
  if (!job.specPath || !job.specSha256) return 'unknown';
  try {
    return sha256(await readFile(job.specPath, 'utf8')) === job.specSha256 ? 'unchanged' : 'changed';
  } catch {
    return 'missing';
  }
}

async function describeSchedule(farm: FarmConnection, s: { key: string; pattern?: string | null; every?: number | string | null; tz?: string | null; next?: number | null; template?: { data?: unknown } }, specFiles: boolean): Promise<ScheduleInfo> {
  const data = (s.template?.data ?? {}) as Partial<ScheduleJob>;
  const state = await readScheduleState(farm, s.key);
  return {
    name: s.key,
    ...(s.pattern ? { cron: s.pattern } : {}),
    ...(s.every ? { everyMs: Number(s.every) } : {}),
    ...(s.tz ? { tz: s.tz } : {}),
    ...(s.next ? { next: new Date(s.next).toISOString() } : {}),
    ...(data.outRoot ? { outRoot: data.outRoot } : {}),
    spec: { ...(data.specPath ? { path: data.specPath } : {}), ...(data.specSha256 ? { sha256: data.specSha256 } : {}), file: specFiles ? await specFileState(data) : 'unknown' },
    ...(data.keep ? { keep: data.keep } : {}),
    ...(data.notify ? { notify: { origin: originOf(data.notify.url) ?? '?', on: data.notify.on } } : {}),
    ...state,
  };
}

async function getSchedule(farm: FarmConnection, name: string): Promise<ScheduleInfo> {
  return (await listSchedules(farm)).find((s) => s.name === name) ?? { name };
}

/**
 * Every schedule with its timing, spec file state and newest firing.
 * @param opts.queue the schedule queue, when the caller holds one open (else one is opened and closed).
 * @param opts.specFiles read each spec file to say whether it changed (default true; `/metrics` needs not).
 */
export async function listSchedules(farm: FarmConnection, opts: { queue?: Queue; specFiles?: boolean } = {}): Promise<ScheduleInfo[]> {
  const q = opts.queue ?? queueOf(farm);
  try {
    const list = await q.getJobSchedulers(0, -1, true);
    return await Promise.all(list.map((s) => describeSchedule(farm, s, opts.specFiles ?? true)));
  } finally {
    if (!opts.queue) await q.close();
  }
}

/** Removes a schedule and what is known of its firings (their directories stay on disk). */
export async function removeSchedule(farm: FarmConnection, name: string): Promise<void> {
  const q = queueOf(farm);
  try {
    if (!(await q.removeJobScheduler(name))) throw new UsageError(`no schedule '${name}' (synthfarm schedule list shows them)`);
  } finally {
    await q.close();
  }
  await dropScheduleState(farm, name);
}

/**
 * Fires a schedule now, in this process (`schedule run NAME`): the stored spec, not the file
 * (`spec.file` says when they differ). Farm workers do the batches, as for a timed firing.
 */
export async function runScheduleNow(farm: FarmConnection, name: string, opts: { policy?: FarmPolicy; log?: Logger } = {}): Promise<Firing> {
  const { job } = await storedSchedule(farm, name);
  return fireSchedule(farm, job, { policy: opts.policy ?? createFarmPolicy(), log: opts.log ?? createLogger({ name: 'schedules' }) });
}

/**
 * Takes schedule firings: each one becomes a farm run (coordinated in this process) writing to
 * its dated directory with its own manifest. Workers and the API server run one. A firing whose
 * run did not complete fails its job too, so the queue dashboard shows it.
 */
export function createScheduleWorker(farm: FarmConnection, opts: { log?: Logger; policy?: FarmPolicy } = {}): Worker {
  const log = opts.log ?? createLogger({ name: 'schedules' });
  const policy = opts.policy ?? createFarmPolicy();
  const worker = new Worker(
    SCHEDULE_QUEUE,
    async (job: Job) => {
      const firing = await fireSchedule(farm, ScheduleJobSchema.parse(job.data), { policy, log });
      if (firing.status !== 'completed') throw new Error(`[schedule ${firing.runId ?? job.data?.schedule}] ${firing.status}${firing.error ? `: ${firing.error}` : ''}`);
      return firing;
    },
    { connection: { url: farm.url, maxRetriesPerRequest: null }, prefix: farm.keys.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => log.warn({ err: err.message }, 'schedule queue connection error'));
  return worker;
}
