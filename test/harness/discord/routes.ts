/**
 * The shape of one REST route: its method and path template (as Discord's
 * docs write them), whether it needs `Authorization: Bot <token>`, whether it
 * counts against the global rate limit, and the top-level resource its rate
 * limit bucket is counted per.
 */
import type { RequestBody } from './request-body.ts';
import type { StandInState } from './state.ts';

export interface RouteContext {
  state: StandInState;
  params: Record<string, string>;
  body: RequestBody;
  query: URLSearchParams;
}

export interface RouteAnswer {
  status: number;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** e.g. `/channels/{channel.id}/messages`. */
  template: string;
  /** Bot routes need the bot token; interaction callbacks and webhook-token routes need none. */
  auth: 'bot' | 'none';
  handle(context: RouteContext): RouteAnswer | Promise<RouteAnswer>;
}

/** `METHOD /template`, the key rate limits are configured by. */
export function routeKey(route: Pick<Route, 'method' | 'template'>): string {
  return `${route.method} ${route.template}`;
}

/** Channels, guilds and webhooks (id + token) are the top-level resources Discord counts buckets per. */
export function majorResource(params: Record<string, string>): string {
  if (params['channel.id']) return `channel:${params['channel.id']}`;
  if (params['guild.id']) return `guild:${params['guild.id']}`;
  if (params['webhook.id']) return `webhook:${params['webhook.id']}:${params['webhook.token'] ?? ''}`;
  if (params['interaction.id']) return `interaction:${params['interaction.id']}`;
  return '';
}

/** Interaction endpoints are not bound to the bot's global rate limit. */
export function countsGlobally(route: Route): boolean {
  return route.auth === 'bot';
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const expected = template.split('/');
  const actual = path.split('/');
  if (expected.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of expected.entries()) {
    let value = actual[index] ?? '';
    try {
      value = decodeURIComponent(value);
    } catch {
      return undefined;
    }
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      if (segment !== value) return undefined;
    } else if (value === '') return undefined;
    else params[name] = value;
  }
  return params;
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { methodMismatch: boolean } {
  let methodMismatch = false;
  for (const route of routes) {
    const params = matchPath(route.template, path);
    if (!params) continue;
    if (route.method === method) return { route, params };
    methodMismatch = true;
  }
  return { methodMismatch };
}
