import type { Engine } from '../engine/contracts.ts';
import type { HttpServer } from './server.ts';

/** `/healthz`: the process is up. `/readyz`: it can take requests (its engine is reachable). */
export function registerHealthRoutes(server: Pick<HttpServer, 'route'>, engine: Engine): void {
  server.route('GET', '/healthz', () => ({ status: 200, json: { status: 'ok' } }));
  server.route('GET', '/readyz', async () => {
    const health = await engine.health();
    return { status: health.ready ? 200 : 503, json: { ready: health.ready, engine: engine.name, detail: health.detail } };
  });
}
