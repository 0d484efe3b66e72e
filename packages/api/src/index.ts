/**
 * @synthfarm/api — `synthfarm serve`: the farm's HTTP API (runs, live events), the bull-board
 * queue dashboard and Prometheus metrics, built over a {@link FarmService}.
 */
export { createServer } from './create-server.js';
export { assertAuthConfig } from './auth.js';
export { createFarmMetrics } from './metrics.js';
