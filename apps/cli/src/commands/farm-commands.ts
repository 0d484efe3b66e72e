import { ExitCode, UsageError } from '@synthfarm/core';
import { addSchedule, connectFarm, createFarmWorker, createScheduleWorker, listSchedules, removeSchedule, type RunSummary } from '@synthfarm/farm';
import { coordinate } from './farm-run.js';
import { printSummary } from './print-summary.js';

function redisUrl(opts: { redis?: string }): string {
  const url = opts.redis ?? process.env.REDIS_URL;
  if (!url) throw new UsageError('farm mode needs --redis URL (or REDIS_URL), e.g. --redis redis://127.0.0.1:6379');
  return url;
}

/** `synthfarm worker --redis URL --host NAME=URL [--slots N]`: serves until SIGTERM. */
export async function workerCommand(opts: { redis?: string; host: string; slots: number; cacheDir?: string; cache?: boolean; drainMs: number; schedules?: boolean }): Promise<void> {
  const m = /^([A-Za-z0-9._-]+)=(https?:\/\/.+)$/.exec(opts.host);
  if (!m) throw new UsageError(`--host ${opts.host}: expected NAME=URL, e.g. gpu1=http://gpu1:11434`);
  const worker = await createFarmWorker({
    redisUrl: redisUrl(opts), host: { name: m[1]!, url: m[2]! }, slots: opts.slots, drainTimeoutMs: opts.drainMs,
    cacheDir: opts.cache === false ? undefined : opts.cacheDir,
  });
  // Any worker can take schedule firings (it then coordinates that run).
  const farm = opts.schedules === false ? undefined : await connectFarm(redisUrl(opts));
  const scheduler = farm && createScheduleWorker(farm);
  process.stderr.write(`[worker ${worker.name}] serving ${worker.models.join(', ')} with ${opts.slots} slots; SIGTERM to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stderr.write(`[worker ${worker.name}] stopping: finishing or handing back in-flight batches\n`);
  await Promise.all([worker.close(), scheduler?.close()]);
  await farm?.close();
}

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
    `  progress ${r.done}/${r.total} (${pct}%): ${r.written} written, ${r.rejected} rejected${r.etaSeconds !== undefined ? `, ETA ${r.etaSeconds} s` : ''}`,
    `  output ${r.outDir}`,
  ];
  for (const [h, p] of Object.entries(r.hosts)) lines.push(`  host ${h}: ${p.records} records, ${p.recordsPerSec} rec/s, ${p.tokensOut} tokens out`);
  return lines.join('\n') + '\n';
}

/** `synthfarm schedule add NAME SPEC --cron EXPR [--tz TZ]` / `--every MS`. */
export async function scheduleAddCommand(name: string, specFile: string, opts: { redis?: string; cron?: string; every?: number; tz: string; out: string }): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  let specText: string;
  try {
    specText = await readFile(specFile, 'utf8');
  } catch {
    throw new UsageError(`spec file not found: ${specFile}`);
  }
  const farm = await connectFarm(redisUrl(opts));
  try {
    const s = await addSchedule(farm, { name, specText, source: specFile, ...(opts.cron ? { cron: opts.cron } : {}), ...(opts.every ? { everyMs: opts.every } : {}), tz: opts.tz, outRoot: opts.out });
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

/** `synthfarm serve --redis URL [--port P]`: HTTP API, dashboard and metrics until SIGTERM. */
export async function serveCommand(opts: { redis?: string; port: number; host: string; outRoot: string; insecure?: boolean }): Promise<void> {
  const { resolve } = await import('node:path');
  const { mkdir } = await import('node:fs/promises');
  const { assertAuthConfig, createServer } = await import('@synthfarm/api');
  const { createFarmService } = await import('@synthfarm/farm');
  const token = process.env.SYNTHFARM_API_TOKEN || undefined;
  assertAuthConfig({ token, insecure: opts.insecure ?? false, host: opts.host });
  const farm = await connectFarm(redisUrl(opts));
  const outRoot = resolve(opts.outRoot);
  await mkdir(outRoot, { recursive: true });
  const service = createFarmService(farm);
  await service.queueDepths(); // learns the queues the workers serve, for the dashboard
  const app = await createServer({ service, outRoot, insecure: opts.insecure ?? false, ...(token ? { token } : {}) });
  try {
    await app.listen({ port: opts.port, host: opts.host });
  } catch (err) {
    await service.close();
    await farm.close();
    throw new UsageError(`cannot listen on ${opts.host}:${opts.port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  process.stdout.write(`http://${opts.host}:${port}\n`);
  process.stderr.write(`[serve] API on http://${opts.host}:${port} (dashboard /ui, metrics /metrics); runs write under ${outRoot}\n`);
  await new Promise<void>((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  });
  await app.close();
  await service.close();
  await farm.close();
}
