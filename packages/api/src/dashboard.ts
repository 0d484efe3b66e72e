import type { FastifyInstance } from 'fastify';
import type { FarmService } from '@synthfarm/farm';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';

/**
 * Mounts the bull-board queue dashboard at `basePath` over the farm's BullMQ queues.
 * It sits behind the same auth gate as the API (see createAuthHook for how browsers get in).
 */
export async function registerDashboard(app: FastifyInstance, opts: { queues: ReturnType<FarmService['queues']>; basePath: string }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(opts.basePath);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'synthfarm' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: opts.basePath });
}
