import { readFile } from 'node:fs/promises';
import { ExitCode, UsageError, createLogger } from '@synthfarm/core';
import { addSchedule, connectFarm, listSchedules, removeSchedule, runScheduleNow, updateSchedule } from '@synthfarm/farm';
import { farmPolicyFromOptions } from '@synthfarm/spec';
import { redisUrl } from './redis-url.js';

type ScheduleInfo = Awaited<ReturnType<typeof listSchedules>>[number];
type Firing = NonNullable<ScheduleInfo['last']>;
interface PolicyOptions { secret?: string[]; allowOrigin?: string[] }

/** `--notify URL [--notify-on WHEN]` as the farm takes it. */
function notifyOf(opts: { notify?: string | boolean; notifyOn?: 'problems' | 'always' }): { url: string; on?: 'problems' | 'always' } | null | undefined {
  if (opts.notify === false) return null;
  if (typeof opts.notify === 'string') return { url: opts.notify, ...(opts.notifyOn ? { on: opts.notifyOn } : {}) };
  if (opts.notifyOn) throw new UsageError('--notify-on needs --notify URL');
  return undefined;
}

const timing = (s: ScheduleInfo) => (s.cron ? `cron '${s.cron}' ${s.tz ?? 'UTC'}` : `every ${s.everyMs} ms`);

/** `exit 1 (completed, 1990 written, 10 rejected)`: what a firing's exit status would be, and why. */
function firingLine(f: Firing): string {
  return `exit ${f.code} (${f.status}, ${f.written} written, ${f.rejected} rejected${f.error ? `: ${f.error}` : ''})${f.outDir ? ` → ${f.outDir}` : ''}`;
}

const SPEC_FILE: Record<NonNullable<ScheduleInfo['spec']>['file'], string> = {
  unchanged: 'unchanged since add/update',
  changed: 'CHANGED since add/update: firings still run the stored spec (schedule update NAME stores the file)',
  missing: 'MISSING: firings run the stored spec',
  unknown: 'path not recorded (added by an older version; add it again to follow the file)',
};

/** The text `schedule list` prints for one schedule: a line of timing, then spec, last firing, options. */
function describe(s: ScheduleInfo): string {
  const lines = [`${s.name}  ${timing(s)}  next ${s.next ?? '?'}  → ${s.outRoot}/${s.name}/<date>/`];
  if (s.spec) lines.push(`  spec  ${s.spec.path ?? '?'}  sha256 ${s.spec.sha256?.slice(0, 12) ?? '?'}  ${SPEC_FILE[s.spec.file].replace('NAME', s.name)}`);
  lines.push(s.last ? `  last  ${s.last.at}  ${firingLine(s.last)}` : '  last  never fired');
  if (s.last?.code && s.lastSuccessAt) lines.push(`  last success  ${s.lastSuccessAt}`);
  const extras = [s.keep ? `keep ${s.keep}` : '', s.notify ? `notify ${s.notify.origin} (${s.notify.on})` : ''].filter(Boolean);
  if (extras.length) lines.push(`  ${extras.join('  ')}`);
  return lines.join('\n') + '\n';
}

/** `synthfarm schedule add NAME SPEC --cron EXPR [--tz TZ]` / `--every MS` [--keep N] [--notify URL]. */
export async function scheduleAddCommand(name: string, specFile: string, opts: PolicyOptions & { redis?: string; cron?: string; every?: number; tz: string; out: string; keep?: number; notify?: string; notifyOn?: 'problems' | 'always' }): Promise<void> {
  const policy = farmPolicyFromOptions(opts);
  const notify = notifyOf(opts) ?? undefined;
  let specText: string;
  try {
    specText = await readFile(specFile, 'utf8');
  } catch {
    throw new UsageError(`spec file not found: ${specFile}`);
  }
  const farm = await connectFarm(redisUrl(opts));
  try {
    const s = await addSchedule(farm, { name, specText, source: specFile, ...(opts.cron ? { cron: opts.cron } : {}), ...(opts.every ? { everyMs: opts.every } : {}), tz: opts.tz, outRoot: opts.out, keep: opts.keep, notify, policy });
    process.stdout.write(`schedule ${s.name}: ${s.cron ? `cron '${s.cron}' ${s.tz ?? ''}` : `every ${s.everyMs} ms`}; next ${s.next ?? '?'}; writes ${s.outRoot}/${s.name}/<date>/\n`);
  } finally {
    await farm.close();
  }
}

/** `synthfarm schedule update NAME [--keep N | --no-keep] [--notify URL | --no-notify]`: stores the spec file as it is now. */
export async function scheduleUpdateCommand(name: string, opts: PolicyOptions & { redis?: string; keep?: number | false; notify?: string | false; notifyOn?: 'problems' | 'always'; json?: boolean }): Promise<void> {
  const policy = farmPolicyFromOptions(opts);
  const notify = notifyOf(opts);
  const farm = await connectFarm(redisUrl(opts));
  try {
    const s = await updateSchedule(farm, name, { policy, ...(opts.keep !== undefined ? { keep: opts.keep === false ? null : opts.keep } : {}), ...(notify !== undefined ? { notify } : {}) });
    if (opts.json) process.stdout.write(JSON.stringify({ schedule: s }) + '\n');
    else process.stdout.write(`schedule ${s.name}: ${s.specChanged ? 'stored the changed spec' : 'spec unchanged'} from ${s.spec?.path} (sha256 ${s.spec?.sha256?.slice(0, 12)}); next ${s.next ?? '?'}\n`);
  } finally {
    await farm.close();
  }
}

/** `synthfarm schedule run NAME`: one firing now; exit 0 when it completed with no rejects, else 1. */
export async function scheduleRunCommand(name: string, opts: PolicyOptions & { redis?: string; json?: boolean }): Promise<void> {
  const policy = farmPolicyFromOptions(opts);
  const farm = await connectFarm(redisUrl(opts));
  try {
    const s = (await listSchedules(farm)).find((x) => x.name === name);
    if (!s) throw new UsageError(`no schedule '${name}' (synthfarm schedule list shows them)`);
    if (s.spec?.file === 'changed' || s.spec?.file === 'missing') process.stderr.write(`synthfarm: schedule ${name}: spec file ${s.spec.path} ${s.spec.file === 'changed' ? 'changed' : 'is missing'}; firing the stored spec (synthfarm schedule update ${name} stores the file)\n`);
    const firing = await runScheduleNow(farm, name, { policy, log: createLogger({ name: 'schedules' }) });
    if (opts.json) process.stdout.write(JSON.stringify({ schedule: name, ...firing }) + '\n');
    else process.stdout.write(`schedule ${name} fired: ${firingLine(firing)}\n`);
    process.exitCode = firing.code === 0 ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    await farm.close();
  }
}

export async function scheduleListCommand(opts: { redis?: string; json?: boolean }): Promise<void> {
  const farm = await connectFarm(redisUrl(opts));
  try {
    const list = await listSchedules(farm);
    if (opts.json) process.stdout.write(JSON.stringify({ schedules: list }) + '\n');
    else if (!list.length) process.stdout.write('no schedules\n');
    else for (const s of list) process.stdout.write(describe(s));
  } finally {
    await farm.close();
  }
}

export async function scheduleRemoveCommand(name: string, opts: { redis?: string }): Promise<void> {
  const farm = await connectFarm(redisUrl(opts));
  try {
    await removeSchedule(farm, name);
    process.stdout.write(`schedule ${name} removed\n`);
  } finally {
    await farm.close();
  }
}
