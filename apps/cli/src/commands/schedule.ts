import { UsageError } from '@synthfarm/core';
import { addSchedule, connectFarm, listSchedules, removeSchedule } from '@synthfarm/farm';
import { farmPolicyFromOptions } from '@synthfarm/spec';
import { redisUrl } from './redis-url.js';

/** `synthfarm schedule add NAME SPEC --cron EXPR [--tz TZ]` / `--every MS`. */
export async function scheduleAddCommand(name: string, specFile: string, opts: { redis?: string; cron?: string; every?: number; tz: string; out: string; secret?: string[]; allowOrigin?: string[] }): Promise<void> {
  const policy = farmPolicyFromOptions(opts);
  const { readFile } = await import('node:fs/promises');
  let specText: string;
  try {
    specText = await readFile(specFile, 'utf8');
  } catch {
    throw new UsageError(`spec file not found: ${specFile}`);
  }
  const farm = await connectFarm(redisUrl(opts));
  try {
    const s = await addSchedule(farm, { name, specText, source: specFile, ...(opts.cron ? { cron: opts.cron } : {}), ...(opts.every ? { everyMs: opts.every } : {}), tz: opts.tz, outRoot: opts.out, policy });
    process.stdout.write(`schedule ${s.name}: ${s.cron ? `cron '${s.cron}' ${s.tz ?? ''}` : `every ${s.everyMs} ms`}; next ${s.next ?? '?'}; writes ${s.outRoot}/${s.name}/<date>/\n`);
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
    else for (const s of list) process.stdout.write(`${s.name}  ${s.cron ? `cron '${s.cron}' ${s.tz ?? 'UTC'}` : `every ${s.everyMs} ms`}  next ${s.next ?? '?'}  → ${s.outRoot}/${s.name}/<date>/\n`);
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
