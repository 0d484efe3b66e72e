/**
 * @synthfarm/api — `synthfarm serve`: the farm's HTTP API (runs, live events), the bull-board
 * queue dashboard and Prometheus metrics, built over a {@link FarmService}.
 */
export { createServer } from './create-server.js';
export { ServerOptionsSchema, formatServerOptionIssues, type ServerOptions, type ServerOptionsInput } from './server-options.js';
export { assertAuthConfig, createAuthHook, isLoopbackHost, redactTokenInUrl, tokensEqual, TOKEN_ENV, UI_SESSION_COOKIE } from './auth.js';
export { resolveOutDir, timestampDirName } from './out-dir.js';
export { registerRunRoutes, PostRunBodySchema, YAML_CONTENT_TYPES } from './routes-runs.js';
export { registerEventRoutes, formatSse, SSE_HEARTBEAT_MS } from './routes-events.js';
export { registerDashboard } from './dashboard.js';
export { createFarmMetrics, registerMetricsRoute, type FarmMetrics } from './metrics.js';
export { errorReply, registerErrorReplies, type ErrorBody } from './error-replies.js';
