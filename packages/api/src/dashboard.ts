import type { FastifyInstance } from 'fastify';
import type { FarmService } from '@synthfarm/farm';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';

/**
 * CSP of the queue dashboard: everything from this server. bull-board's page needs inline
 * styles (its loading screen and React's style props); its scripts are files.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * bull-board's page loads its fonts from Google (`<link href="https://fonts.googleapis.com/...">`):
 * that tag is removed, so an operator's browser asks no other host for anything (the page falls
 * back to system fonts), and the CSP would block any such request anyway.
 */
export function stripRemoteStylesheets(page: string): string {
  return page.replace(/<link\b[^>]*\bhref="https?:\/\/[^"]*"[^>]*>\s*/gi, '');
}

/**
 * Mounts the bull-board queue dashboard at `basePath` over the farm's BullMQ queues. It sits
 * behind the same auth gate as the API: a browser gets in with the sign-in session cookie.
 */
export async function registerDashboard(app: FastifyInstance, opts: { queues: ReturnType<FarmService['queues']>; basePath: string }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(opts.basePath);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'synthfarm' } },
  });
  await app.register(
    async (scope) => {
      scope.addHook('onSend', async (_request, reply, payload) => {
        reply.header('Content-Security-Policy', DASHBOARD_CSP);
        const type = String(reply.getHeader('content-type') ?? '');
        if (typeof payload !== 'string' || !type.startsWith('text/html')) return payload;
        const page = stripRemoteStylesheets(payload);
        reply.header('Content-Length', Buffer.byteLength(page));
        return page;
      });
      await scope.register(serverAdapter.registerPlugin());
    },
    { prefix: opts.basePath },
  );
}
