/**
 * A STAND-IN for a CI server (not Jenkins, not GitHub): a small node:http
 * server that behaves like one towards the http adapter, for tests.
 *
 *   POST /workflows/:workflow/dispatches   start a run, like GitHub's workflow_dispatch:
 *        body { ref, inputs }; signed with X-Hub-Signature-256 (401 when missing or wrong);
 *        400 "Problems parsing JSON"; 422 when `ref` is missing or an input is not declared;
 *        honours Idempotency-Key (a repeat gets the first answer again, a reused key with another
 *        body gets 422); answers 201 with Location: /runs/:id and the run as JSON.
 *   GET  /runs/:id                          the run: status queued → in_progress → completed,
 *        conclusion success | failure | cancelled, plus run_url and html_url.
 *   GET  /environments/:name                { name, version }: what the last successful run deployed.
 *
 * Reads need `Authorization: Bearer <readToken>` when a read token is set. Tests can script the
 * next answers of a route (429 with Retry-After, a 500 once, a 400) and see every request.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunBook, type RunEnding, type WorkflowRun } from './runs.ts';
import { checkSignature, SIGNATURE_HEADER } from './signature.ts';

export type CiRoute = 'dispatch' | 'run' | 'environment';

export interface ScriptedAnswer {
  status: number;
  /** Sent as the Retry-After header. */
  retryAfter?: string;
  body?: unknown;
}

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  route: CiRoute | 'unknown';
  /** Lower-case names, as node:http gives them. */
  headers: Record<string, string>;
  body: string;
}

export interface CiServerOptions {
  /** The shared webhook secret dispatches are signed with. */
  webhookSecret: string;
  /** When set, reads need `Authorization: Bearer <readToken>`. */
  readToken?: string;
  queuedMs?: number;
  runningMs?: number;
  /** The inputs the workflows declare; others are refused with 422, as GitHub does. */
  workflowInputs?: string[];
  /** What each environment runs before any test run. */
  deployed?: Record<string, string>;
}

export interface CiServerStandIn {
  /** Base URL, without a trailing slash. */
  url: string;
  requests: RecordedRequest[];
  runs: readonly WorkflowRun[];
  /** Dispatch requests that started a run (not replays, not refusals). */
  startedRuns(): number;
  /** How runs started from now on end. */
  endRunsWith(ending: RunEnding): void;
  /** Queues an answer for the next request to `route`, before anything else is checked. */
  answerNext(route: CiRoute, answer: ScriptedAnswer): void;
  deployedVersion(environment: string): string | null;
  close(): Promise<void>;
}

interface StoredDispatch {
  bodyHash: string;
  runId: number;
}

const DISPATCH = /^\/workflows\/([^/]+)\/dispatches$/;
const RUN = /^\/runs\/(\d+)$/;
const ENVIRONMENT = /^\/environments\/([^/]+)$/;

function routeOf(method: string, path: string): CiRoute | 'unknown' {
  if (method === 'POST' && DISPATCH.test(path)) return 'dispatch';
  if (method === 'GET' && RUN.test(path)) return 'run';
  if (method === 'GET' && ENVIRONMENT.test(path)) return 'environment';
  return 'unknown';
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );
}

export async function startCiServerStandIn(options: CiServerOptions): Promise<CiServerStandIn> {
  const book = new RunBook({ queuedMs: options.queuedMs ?? 50, runningMs: options.runningMs ?? 100 });
  for (const [environment, version] of Object.entries(options.deployed ?? {})) book.deployed.set(environment, version);
  const declaredInputs = new Set(options.workflowInputs ?? ['version', 'environment']);
  const requests: RecordedRequest[] = [];
  const scripted = new Map<CiRoute, ScriptedAnswer[]>();
  const byIdempotencyKey = new Map<string, StoredDispatch>();
  let started = 0;
  let baseUrl = '';

  const runJson = (run: WorkflowRun) => ({
    ...run,
    run_url: `${baseUrl}/runs/${run.id}`,
    html_url: `${baseUrl}/runs/${run.id}/view`,
  });

  function answerRun(
    response: ServerResponse,
    status: number,
    run: WorkflowRun,
    extraHeaders: Record<string, string> = {},
  ): void {
    sendJson(response, status, runJson(run), { location: `/runs/${run.id}`, ...extraHeaders });
  }

  function dispatch(response: ServerResponse, workflow: string, headers: Record<string, string>, raw: Buffer): void {
    const signature = checkSignature(options.webhookSecret, raw, headers[SIGNATURE_HEADER]);
    if (signature !== 'valid') {
      sendJson(response, 401, {
        message:
          signature === 'missing' ? `Missing ${SIGNATURE_HEADER} header` : 'Signature does not match the request body',
      });
      return;
    }
    let body: { ref?: unknown; inputs?: Record<string, unknown> };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      sendJson(response, 400, { message: 'Problems parsing JSON' });
      return;
    }
    if (typeof body.ref !== 'string' || body.ref === '') {
      sendJson(response, 422, { message: 'Invalid request.\n\n"ref" wasn\'t supplied.' });
      return;
    }
    const inputs = Object.fromEntries(Object.entries(body.inputs ?? {}).map(([name, value]) => [name, String(value)]));
    const unexpected = Object.keys(inputs).filter((name) => !declaredInputs.has(name));
    if (unexpected.length > 0) {
      sendJson(response, 422, { message: `Unexpected inputs provided: ${JSON.stringify(unexpected)}` });
      return;
    }
    const key = headers['idempotency-key'];
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    const earlier = key === undefined ? undefined : byIdempotencyKey.get(key);
    if (earlier !== undefined) {
      const run = book.find(earlier.runId);
      if (earlier.bodyHash !== bodyHash || run === undefined) {
        sendJson(response, 422, { message: 'Idempotency-Key was already used with a different request body' });
        return;
      }
      answerRun(response, 201, run, { 'idempotent-replayed': 'true' });
      return;
    }
    const run = book.start(workflow, inputs);
    started += 1;
    if (key !== undefined) byIdempotencyKey.set(key, { bodyHash, runId: run.id });
    answerRun(response, 201, run);
  }

  function read(response: ServerResponse, route: CiRoute, path: string, headers: Record<string, string>): void {
    if (options.readToken !== undefined && headers.authorization !== `Bearer ${options.readToken}`) {
      sendJson(response, 401, { message: 'Bad credentials' });
      return;
    }
    if (route === 'environment') {
      const name = decodeURIComponent(ENVIRONMENT.exec(path)?.[1] ?? '');
      sendJson(response, 200, { name, version: book.deployed.get(name) ?? null });
      return;
    }
    const run = book.find(Number(RUN.exec(path)?.[1]));
    if (run === undefined) sendJson(response, 404, { message: 'Not Found' });
    else sendJson(response, 200, runJson(run));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    const raw = await readBody(request);
    const headers = flatHeaders(request);
    const route = routeOf(method, path);
    requests.push({ method, path: request.url ?? '/', route, headers, body: raw.toString('utf8') });
    if (route === 'unknown') {
      sendJson(response, 404, { message: 'Not Found' });
      return;
    }
    const next = scripted.get(route)?.shift();
    if (next !== undefined) {
      sendJson(
        response,
        next.status,
        next.body ?? { message: `scripted ${next.status}` },
        next.retryAfter === undefined ? {} : { 'retry-after': next.retryAfter },
      );
      return;
    }
    if (route === 'dispatch') dispatch(response, decodeURIComponent(DISPATCH.exec(path)?.[1] ?? ''), headers, raw);
    else read(response, route, path, headers);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendJson(response, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    requests,
    runs: book.runs,
    startedRuns: () => started,
    endRunsWith: (ending) => {
      book.ending = ending;
    },
    answerNext: (route, answer) => {
      scripted.set(route, [...(scripted.get(route) ?? []), answer]);
    },
    deployedVersion: (environment) => book.deployed.get(environment) ?? null,
    close: async () => {
      book.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
