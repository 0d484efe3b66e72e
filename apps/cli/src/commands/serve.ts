import { UsageError } from '@synthfarm/core';
import { connectFarm } from '@synthfarm/farm';
import { firstStopSignal } from '../stop-signals.js';
import { redisUrl } from './redis-url.js';

/** `synthfarm serve --redis URL [--port P]`: HTTP API, dashboard and metrics until SIGTERM. */
export async function serveCommand(opts: { redis?: string; port: number; host: string; outRoot: string; insecure?: boolean; maxDailyCost?: number; secret?: string[]; allowOrigin?: string[] }): Promise<void> {
  const { resolve } = await import('node:path');
  const { mkdir } = await import('node:fs/promises');
  const { assertAuthConfig, createServer } = await import('@synthfarm/api');
  const { createFarmService } = await import('@synthfarm/farm');
  const { farmPolicyFromOptions } = await import('@synthfarm/spec');
  const policy = farmPolicyFromOptions(opts);
  const token = process.env.SYNTHFARM_API_TOKEN || undefined;
  assertAuthConfig({ token, insecure: opts.insecure ?? false, host: opts.host });
  const farm = await connectFarm(redisUrl(opts));
  const { applyFarmBudget } = await import('@synthfarm/farm');
  await applyFarmBudget(farm.redis, farm.keys, { maxDailyCostUsd: opts.maxDailyCost }).catch(async (err) => {
    await farm.close();
    throw err;
  });
  const outRoot = resolve(opts.outRoot);
  await mkdir(outRoot, { recursive: true });
  const service = createFarmService(farm, { policy });
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
  const stopped = firstStopSignal();
  process.stdout.write(`http://${opts.host}:${port}\n`);
  process.stderr.write(`[serve] API on http://${opts.host}:${port} (runs page /, dashboard /ui, metrics /metrics); runs write under ${outRoot}\n`);
  await stopped;
  await app.close();
  await service.close();
  await farm.close();
}
