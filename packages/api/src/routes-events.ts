import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { FarmService, RunEvent, RunSummary } from '@synthfarm/farm';

/** How often an idle stream sends a comment line, so proxies do not close it, in milliseconds. */
export const SSE_HEARTBEAT_MS = 15_000;

const TERMINAL: ReadonlySet<RunSummary['state']> = new Set(['completed', 'failed', 'budget_exceeded', 'cancelled']);

/** One server-sent event: `event: progress|end` and the run summary as JSON data. */
export function formatSse(e: RunEvent): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e.run)}\n\n`;
}

/**
 * `GET /runs/:id/events`: a `text/event-stream` of the run. It opens with the run as it is now
 * (`progress`, or `end` for a finished run), then relays `service.subscribe` until `end`, then
 * closes. A client that goes away is unsubscribed; server shutdown ends every open stream.
 */
export function registerEventRoutes(app: FastifyInstance, opts: { service: FarmService; heartbeatMs?: number }): void {
  const { service } = opts;
  const heartbeatMs = opts.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const close of [...open]) close();
    done();
  });

  app.get<{ Params: { id: string } }>('/runs/:id/events', async (request, reply) => {
    const runId = request.params.id;
    const run = await service.getRun(runId);
    if (!run) return reply.code(404).send({ error: `run ${runId} not found` });

    reply.hijack();
    const res: ServerResponse = reply.raw;
    // Fastify's reply headers (e.g. a Set-Cookie) are not sent once hijacked; none matter here.
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });

    let closed = false;
    let unsubscribe: (() => void) | undefined;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    heartbeat.unref();
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      open.delete(close);
      unsubscribe?.();
      if (!res.writableEnded) res.end();
    };
    const send = (e: RunEvent): void => {
      if (closed) return;
      res.write(formatSse(e));
      if (e.type === 'end') close();
    };
    open.add(close);
    res.on('close', close);

    if (TERMINAL.has(run.state)) return send({ type: 'end', run });
    send({ type: 'progress', run });
    // subscribe may deliver (even `end`) before it returns; close() then runs once it has.
    const unsub = service.subscribe(runId, send);
    unsubscribe = unsub;
    if (closed) unsub();
  });
}
