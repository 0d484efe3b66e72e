import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { UsageError } from '@synthfarm/core';
import { createAuthHook, redactTokenInUrl, TOKEN_ENV } from './auth.js';
import { registerDashboard } from './dashboard.js';
import { registerErrorReplies } from './error-replies.js';
import { createFarmMetrics, registerMetricsRoute } from './metrics.js';
import { registerPageAssets } from './page-assets.js';
import { registerEventRoutes } from './routes-events.js';
import { registerFileRoutes } from './routes-files.js';
import { registerPageRoutes } from './routes-pages.js';
import { registerRunRoutes } from './routes-runs.js';
import { registerSessionRoutes } from './routes-session.js';
import { createSessionStore } from './session-store.js';
import { formatServerOptionIssues, ServerOptionsSchema, type ServerOptions, type ServerOptionsInput } from './server-options.js';

function loggerOptions(opts: ServerOptions): FastifyServerOptions['logger'] {
  if (!opts.logger) return false;
  return {
    level: 'info',
    stream: opts.logStream ?? process.stderr,
    // The default request serializer logs the URL; a token pasted into one must not reach the log.
    serializers: {
      req: (req: { method: string; url: string; hostname?: string; ip?: string }) => ({ method: req.method, url: redactTokenInUrl(req.url), hostname: req.hostname, remoteAddress: req.ip }),
    },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'], censor: '[redacted]' },
  };
}

/**
 * Builds the `synthfarm serve` HTTP server without listening: `GET /healthz`, the sign-in page and
 * `/assets/*` (open), then behind auth (bearer token, or a browser's session cookie) the runs
 * pages `GET /` and `GET /run/:id`, the API `POST /runs`, `GET /runs`, `GET|DELETE /runs/:id`,
 * `GET /runs/:id/events` (SSE), `GET /runs/:id/files[/:name]`, the bull-board dashboard at `/ui`
 * and Prometheus `GET /metrics`. The caller checks the bind host with {@link assertAuthConfig},
 * then calls `listen`; `close()` ends open event streams.
 * @throws UsageError `[api] invalid options: ...` naming the option, or when neither a token nor
 * `insecure` is given.
 */
export async function createServer(input: ServerOptionsInput): Promise<FastifyInstance> {
  const parsed = ServerOptionsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(formatServerOptionIssues(parsed.error));
  const opts = parsed.data;
  // Defence in depth: even a caller that skipped assertAuthConfig never gets an open server by accident.
  if (opts.token === undefined && !opts.insecure) throw new UsageError(`[api] no API token: set ${TOKEN_ENV}, or pass insecure: true (loopback only)`);

  const app = Fastify({ logger: loggerOptions(opts) });
  registerErrorReplies(app);
  const sessions = createSessionStore();
  app.addHook('onRequest', createAuthHook({ token: opts.token, sessions }));

  app.get('/healthz', { config: { public: true } }, async () => ({ ok: true }));
  registerSessionRoutes(app, { token: opts.token, sessions });
  await registerPageAssets(app);
  registerPageRoutes(app, { service: opts.service, outRoot: opts.outRoot, uiBasePath: opts.uiBasePath, signedIn: opts.token !== undefined });
  registerRunRoutes(app, { service: opts.service, outRoot: opts.outRoot });
  registerEventRoutes(app, { service: opts.service });
  registerFileRoutes(app, { service: opts.service, outRoot: opts.outRoot });
  registerMetricsRoute(app, createFarmMetrics(opts.service));
  await registerDashboard(app, { queues: opts.service.queues(), basePath: opts.uiBasePath });
  return app;
}
