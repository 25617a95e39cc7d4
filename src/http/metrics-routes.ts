/**
 * `GET /metrics` in Prometheus' text format: on the main port behind the
 * `metrics:read` token scope, or on a listener of its own (`--metrics-port`)
 * for a scraper on a private network.
 */
import type { BatonMetrics } from '../metrics/baton-metrics.ts';
import type { AccessCheck, HttpServer } from './server.ts';

export const METRICS_PATH = '/metrics';

export function registerMetricsRoute(
  server: Pick<HttpServer, 'route'>,
  metrics: BatonMetrics,
  access?: AccessCheck,
): void {
  server.route(
    'GET',
    METRICS_PATH,
    async () => {
      const { body, contentType } = await metrics.exposition();
      return { status: 200, body, contentType };
    },
    access ? { access } : {},
  );
}
