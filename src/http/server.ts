/**
 * A small HTTP server with an exact-path router, shared by every module that
 * serves HTTP (the console, health, metrics, the release API). JSON in, JSON
 * out; a route can also send a file body or take over the response to stream.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatonError, ErrorCode, quoteInput } from '../errors.ts';
import { allowedHostNames, refuseCrossSite, refuseHost } from './host-check.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What is known of a request before its body is read: enough to decide whether to read it at all. */
export interface RequestHead {
  method: HttpMethod;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The peer's address as the socket has it (a proxy's, behind one). */
  remoteAddress: string;
}

/** Who a route's access check found behind a request. */
export interface Caller {
  /** The person or token name, as audit records and chat show it. */
  name: string;
  /** How it was established: `session`, `proxy`, `token`, … */
  via: string;
  /** What a token may do; absent for people. */
  scopes?: readonly string[];
  /** When the caller's sign-in ends (a session's expiry, ms since the epoch): a stream opened for them must end then. */
  expiresAt?: number;
}

export interface HttpRequest extends RequestHead {
  /** The parsed JSON body; `undefined` when the request had none. */
  body: unknown;
  /** Set when the route's access check named one. */
  caller?: Caller;
}

/** Response headers; a list sends the header once per value (several `set-cookie`). */
export type ResultHeaders = Record<string, string | string[]>;

export interface JsonResult {
  status: number;
  json: unknown;
  headers?: ResultHeaders;
}

export interface BodyResult {
  status: number;
  body: string | Uint8Array;
  contentType: string;
  headers?: ResultHeaders;
}

/** The route writes the response itself (Server-Sent Events, downloads). */
export interface StreamResult {
  stream(response: ServerResponse): void;
}

export type RouteResult = JsonResult | BodyResult | StreamResult;

export type RouteHandler = (request: HttpRequest) => RouteResult | Promise<RouteResult>;

/** A refusal names the caller when the check knew who it was: a known token without the scope, a signed-in person. */
export type AccessResult =
  { allowed: true; caller?: Caller } | { allowed: false; refusal: JsonResult | BodyResult; caller?: Caller };

/** Decides from the head alone, so a refused caller never gets as far as sending a body. */
export type AccessCheck = (head: RequestHead) => AccessResult | Promise<AccessResult>;

export interface RouteOptions {
  access?: AccessCheck;
}

export interface ErrorLogger {
  error(details: object, message: string): void;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  logger?: ErrorLogger;
  /**
   * Host names besides loopback names and IP addresses that requests may be
   * addressed to (see host-check.ts); anything else is refused, which is what
   * keeps a DNS-rebinding page away from the API.
   */
  allowedHosts?: readonly string[];
}

/** Node's own request listener, for libraries that read the raw request themselves. */
export type RawListener = (request: IncomingMessage, response: ServerResponse) => void;

export interface HttpServer {
  /** Registers a handler for one method and one exact path; a path is never a pattern. */
  route(method: HttpMethod, path: string, handler: RouteHandler, options?: RouteOptions): void;
  /**
   * Hands every request to one exact path over unread: a library that checks a
   * signature over the raw body (Slack's Bolt) must see the bytes as sent.
   */
  mount(path: string, listener: RawListener): void;
  listen(): Promise<{ url: string }>;
  close(): Promise<void>;
}

const stderrLogger: ErrorLogger = {
  error: (details, message) => console.error(message, details),
};

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const logger = options.logger ?? stderrLogger;
  const routes = new Map<string, Map<HttpMethod, { handler: RouteHandler; access?: AccessCheck }>>();
  const hosts = allowedHostNames(options.allowedHosts ?? []);
  const mounts = new Map<string, RawListener>();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request.url ?? '/');
    if (!url) {
      send(response, { status: 400, json: { error: `Not a request path: ${request.url ?? ''}` } });
      return;
    }
    const hostRefusal = refuseHost(request.headers.host, hosts);
    if (hostRefusal) {
      send(response, hostRefusal);
      return;
    }
    const mounted = mounts.get(url.pathname);
    if (mounted) {
      mounted(request, response);
      return;
    }
    const byMethod = routes.get(url.pathname);
    if (!byMethod) {
      send(response, { status: 404, json: { error: `No such route: ${url.pathname}` } });
      return;
    }
    const method = request.method as HttpMethod;
    const route = byMethod.get(method);
    if (!route) {
      const allowed = [...byMethod.keys()].join(', ');
      send(response, {
        status: 405,
        json: { error: `${request.method ?? '?'} is not allowed on ${url.pathname}; use ${allowed}` },
        headers: { allow: allowed },
      });
      return;
    }

    const head: RequestHead = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      remoteAddress: request.socket.remoteAddress ?? '',
    };
    const originRefusal = refuseCrossSite(head);
    const access: AccessResult = originRefusal
      ? { allowed: false, refusal: originRefusal }
      : route.access
        ? await route.access(head)
        : { allowed: true };
    if (!access.allowed) {
      // Nothing of the body is read for a refused caller; do not keep the connection for it either.
      send(response, { ...access.refusal, headers: { ...access.refusal.headers, connection: 'close' } });
      return;
    }

    const reading = await readJsonBody(request);
    if (!reading.ok) {
      // The client may still be sending; do not keep the connection for a body we refused.
      send(response, { status: reading.status, json: { error: reading.error }, headers: { connection: 'close' } });
      return;
    }

    const result = await route.handler({
      ...head,
      body: reading.body,
      ...(access.caller ? { caller: access.caller } : {}),
    });
    send(response, result);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error, method: request.method, url: request.url }, 'HTTP handler failed');
      if (response.headersSent) {
        response.destroy();
        return;
      }
      send(response, { status: 500, json: { error: 'Internal server error; see the Baton log for details.' } });
    });
  });

  return {
    route(method, path, handler, routeOptions) {
      const byMethod = routes.get(path) ?? new Map<HttpMethod, { handler: RouteHandler; access?: AccessCheck }>();
      if (byMethod.has(method)) {
        throw new Error(`Route ${method} ${path} is already registered`);
      }
      byMethod.set(method, { handler, ...(routeOptions?.access ? { access: routeOptions.access } : {}) });
      routes.set(path, byMethod);
    },

    mount(path, listener) {
      if (mounts.has(path) || routes.has(path)) throw new Error(`Path ${path} is already registered`);
      mounts.set(path, listener);
    },

    listen() {
      return new Promise((resolve, reject) => {
        const refused = (error: NodeJS.ErrnoException) =>
          reject(
            error.code === 'EADDRINUSE'
              ? new BatonError(
                  ErrorCode.Conflict,
                  `Port ${options.port} on ${options.host} is already in use (another Baton, or another program). Stop it, or pick another port with --port or PORT.`,
                  { cause: error },
                )
              : error,
          );
        server.once('error', refused);
        server.listen(options.port, options.host, () => {
          server.off('error', refused);
          const { address, port } = server.address() as AddressInfo;
          const host = address.includes(':') ? `[${address}]` : address;
          resolve({ url: `http://${host}:${port}` });
        });
      });
    },

    close() {
      return new Promise((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        // Streams (Server-Sent Events) never end on their own; close would wait forever.
        server.closeAllConnections();
      });
    },
  };
}

export const maxBodyBytes = 64 * 1024;

type BodyReading = { ok: true; body: unknown } | { ok: false; status: number; error: string };

function readJsonBody(request: IncomingMessage): Promise<BodyReading> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        // Stop reading rather than destroy: the client should still get the 413.
        request.off('data', onData).off('end', onEnd).pause();
        resolve({ ok: false, status: 413, error: `The request body is larger than ${maxBodyBytes / 1024} KiB` });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(parseJsonBody(request, Buffer.concat(chunks)));
    request.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function parseJsonBody(request: IncomingMessage, raw: Buffer): BodyReading {
  if (raw.length === 0) {
    return { ok: true, body: undefined };
  }
  // Browsers send cross-site form posts as text/plain without asking first; requiring JSON
  // makes them ask (CORS preflight), which this server never grants.
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) {
    return {
      ok: false,
      status: 415,
      error: `Send the body as JSON with "content-type: application/json" (got ${contentType ? quoteInput(contentType) : 'no content type'})`,
    };
  }
  try {
    return { ok: true, body: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, status: 400, error: `The request body is not valid JSON: ${(error as Error).message}` };
  }
}

function requestUrl(target: string): URL | undefined {
  // Resolving against a base would read "//x" as a host name; a path must stay a path.
  const absolute = target.startsWith('/') ? `http://localhost${target}` : target;
  return URL.canParse(absolute) ? new URL(absolute) : undefined;
}

function send(response: ServerResponse, result: RouteResult): void {
  if ('stream' in result) {
    result.stream(response);
    return;
  }
  const headers = { ...result.headers, 'x-content-type-options': 'nosniff' };
  if ('json' in result) {
    response.writeHead(result.status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(result.json));
    return;
  }
  response.writeHead(result.status, { ...headers, 'content-type': result.contentType });
  response.end(result.body);
}
