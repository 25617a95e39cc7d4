import type { ChannelProblems } from '../chat/channel-problems.ts';
import type { Engine } from '../engine/contract.ts';
import type { HttpServer } from './server.ts';

/**
 * `/healthz`: the process is up. `/readyz`: it can take requests (its engine
 * is reachable). Channels Baton cannot post to are listed there for the
 * operator, without making the bot unready: it still takes commands and runs
 * promotions, and their threads catch up once the channel works.
 */
export function registerHealthRoutes(
  server: Pick<HttpServer, 'route'>,
  engine: Engine,
  problems?: ChannelProblems,
): void {
  server.route('GET', '/healthz', () => ({ status: 200, json: { status: 'ok' } }));
  server.route('GET', '/readyz', async () => {
    const health = await engine.health();
    const channels = problems?.list() ?? [];
    return {
      status: health.ready ? 200 : 503,
      json: {
        ready: health.ready,
        engine: engine.name,
        detail: health.detail,
        ...(channels.length > 0 ? { chat: { channelsFailing: channels } } : {}),
      },
    };
  });
}
