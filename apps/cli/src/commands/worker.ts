import { UsageError } from '@synthfarm/core';
import { applyFarmBudget, connectFarm, createFarmWorker, createScheduleWorker, settlesWithin } from '@synthfarm/farm';
import { farmPolicyFromOptions } from '@synthfarm/spec';
import { firstStopSignal } from '../stop-signals.js';
import { redisUrl } from './redis-url.js';

/** `synthfarm worker --redis URL --host NAME=URL [--slots N]`: serves until SIGTERM. */
export async function workerCommand(opts: { redis?: string; host: string; slots?: number; queueAhead?: number; cacheDir?: string; cache?: boolean; drainMs?: number; lockMs?: number; schedules?: boolean; maxDailyCost?: number; secret?: string[]; allowOrigin?: string[] }): Promise<void> {
  const m = /^([A-Za-z0-9._-]+)=(.+)$/.exec(opts.host);
  if (!m) throw new UsageError(`--host ${opts.host}: expected NAME=URL, e.g. gpu1=http://gpu1:11434`);
  const { checkHostUrl } = await import('@synthfarm/llm');
  checkHostUrl(m[2]!, `--host ${opts.host}`);
  const policy = farmPolicyFromOptions(opts);
  const worker = await createFarmWorker({
    policy,
    redisUrl: redisUrl(opts), host: { name: m[1]!, url: m[2]! }, slots: opts.slots, queueAhead: opts.queueAhead, drainTimeoutMs: opts.drainMs, lockDurationMs: opts.lockMs,
    cacheDir: opts.cache === false ? undefined : opts.cacheDir,
  });
  // Any worker can take schedule firings (it then coordinates that run).
  const farm = opts.schedules === false && opts.maxDailyCost === undefined ? undefined : await connectFarm(redisUrl(opts));
  if (farm) await applyFarmBudget(farm.redis, farm.keys, { maxDailyCostUsd: opts.maxDailyCost });
  const scheduler = farm && opts.schedules !== false ? createScheduleWorker(farm, { policy }) : undefined;
  const stopped = firstStopSignal();
  process.stderr.write(`[worker ${worker.name}] serving ${worker.models.join(', ')} with ${worker.slots} slots; SIGTERM to stop\n`);
  await stopped;
  process.stderr.write(`[worker ${worker.name}] stopping: finishing or handing back in-flight batches\n`);
  // From here on the process only stops. With Redis gone, the BullMQ and ioredis connections it
  // abandons may still emit 'error' (ECONNRESET) or reject queued commands ("Connection is
  // closed") after their owners let go of them: expected on the way out, said, and not a crash.
  const whileStopping = (err: unknown) => process.stderr.write(`[worker ${worker.name}] while stopping: ${(err as Error)?.message ?? err}\n`);
  process.on('uncaughtException', whileStopping);
  process.on('unhandledRejection', whileStopping);
  // worker.close() is bounded by the drain time; a schedule firing still coordinating here is
  // left to `synthfarm resume` (its lock lapses). Neither waits for a Redis that is gone.
  // Closing talks to Redis, which may be gone: a close that fails is said, not fatal — the worker
  // is stopping either way, and its unfinished batches are handed back by their lapsing locks.
  const closed = await Promise.allSettled([worker.close(), scheduler && settlesWithin(scheduler.close(), worker.drainTimeoutMs)]);
  if (scheduler) void scheduler.disconnect().catch(() => undefined);
  closed.push(...(await Promise.allSettled([farm?.close()])));
  for (const c of closed) if (c.status === 'rejected') process.stderr.write(`[worker ${worker.name}] while stopping: ${(c.reason as Error)?.message ?? c.reason}\n`);
  // Everything this worker owns is closed or given up on. With Redis gone, BullMQ's connections
  // are still retrying (their timers would keep the process alive for good): exit regardless.
  setTimeout(() => process.exit(), 200).unref();
}
