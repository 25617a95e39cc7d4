/**
 * A STAND-IN for the AWS Lambda API, not AWS: a node:http server on
 * 127.0.0.1 that serves the REST paths and JSON shapes of API version
 * 2015-03-31 the `lambda` adapter uses, so tests drive the real
 * `@aws-sdk/client-lambda` against it through the `endpoint` setting.
 *
 * Like Lambda, it refuses requests that are not SigV4-signed (it checks the
 * Authorization header's form and credential scope, not the signature), and
 * answers errors with the `x-amzn-ErrorType` header the SDK reads. Tests can
 * make the next requests fail as AWS would (throttling, access denied).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaApiError } from './api-error.ts';
import {
  createAlias,
  getAlias,
  getFunctionConfiguration,
  publishVersion,
  updateAlias,
  updateFunctionCode,
  type LambdaOperation,
  type OperationResult,
  type RequestBody,
} from './lambda-operations.ts';
import { LambdaState } from './lambda-state.ts';

export interface LambdaStandInOptions {
  region?: string;
  accountId?: string;
  /** How long a code update stays `InProgress`. */
  updateDurationMs?: number;
}

export interface RecordedRequest {
  operation: LambdaOperation;
  method: string;
  path: string;
  body: RequestBody;
  /** From the SigV4 credential scope. */
  accessKeyId: string;
  /** The HTTP status the stand-in answered with. */
  status?: number;
  /** The JSON it answered with. */
  answer?: unknown;
}

/** A failure the stand-in answers instead of handling a request. */
export interface InjectedFault {
  status: number;
  type: string;
  message: string;
  headers?: Record<string, string>;
}

interface Route {
  operation: LambdaOperation;
  handle(body: RequestBody): OperationResult;
}

const FUNCTIONS_PATH = /^\/2015-03-31\/functions\/([^/]+)(\/.*)?$/;
const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/;

export class LambdaStandIn {
  readonly state: LambdaState;
  readonly requests: RecordedRequest[] = [];
  /** How long a code update stays `InProgress`; tests may change it between requests. */
  updateDurationMs: number;
  private readonly server: Server;
  private readonly faults: Array<{ operation: LambdaOperation; fault: InjectedFault }> = [];
  endpoint = '';

  private constructor(options: LambdaStandInOptions) {
    this.state = new LambdaState(options.region ?? 'eu-west-1', options.accountId ?? '123456789012');
    this.updateDurationMs = options.updateDurationMs ?? 150;
    this.server = createServer((request, response) => {
      void this.serve(request, response);
    });
  }

  static async start(options: LambdaStandInOptions = {}): Promise<LambdaStandIn> {
    const standIn = new LambdaStandIn(options);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    const { port } = standIn.server.address() as AddressInfo;
    standIn.endpoint = `http://127.0.0.1:${port}`;
    return standIn;
  }

  get region(): string {
    return this.state.region;
  }

  /** The next `times` requests for `operation` get `fault` instead of an answer. */
  failNext(operation: LambdaOperation, fault: InjectedFault, times = 1): void {
    for (let count = 0; count < times; count += 1) this.faults.push({ operation, fault });
  }

  operations(): LambdaOperation[] {
    return this.requests.map((request) => request.operation);
  }

  async close(): Promise<void> {
    this.state.clearTimers();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(method: string, path: string, query: URLSearchParams): Route | undefined {
    const match = FUNCTIONS_PATH.exec(path);
    if (!match?.[1]) return undefined;
    const name = decodeURIComponent(match[1]);
    const rest = match[2] ?? '';
    const state = this.state;
    const aliasPath = /^\/aliases\/([^/]+)$/.exec(rest);
    const aliasName = aliasPath?.[1] === undefined ? '' : decodeURIComponent(aliasPath[1]);
    const routes: Array<[string, boolean, Route]> = [
      [
        'GET',
        rest === '/configuration',
        {
          operation: 'GetFunctionConfiguration',
          handle: () => getFunctionConfiguration(state, name, query.get('Qualifier')),
        },
      ],
      [
        'PUT',
        rest === '/code',
        {
          operation: 'UpdateFunctionCode',
          handle: (body) => updateFunctionCode(state, name, body, this.updateDurationMs),
        },
      ],
      [
        'POST',
        rest === '/versions',
        { operation: 'PublishVersion', handle: (body) => publishVersion(state, name, body) },
      ],
      ['POST', rest === '/aliases', { operation: 'CreateAlias', handle: (body) => createAlias(state, name, body) }],
      ['GET', aliasPath !== null, { operation: 'GetAlias', handle: () => getAlias(state, name, aliasName) }],
      [
        'PUT',
        aliasPath !== null,
        { operation: 'UpdateAlias', handle: (body) => updateAlias(state, name, aliasName, body) },
      ],
    ];
    return routes.find(([routeMethod, matches]) => routeMethod === method && matches)?.[2];
  }

  /** The access key id when the request is signed the way Lambda requires; an error otherwise. */
  private signer(request: IncomingMessage): string {
    const authorization = request.headers.authorization ?? '';
    const signed = SIGV4_AUTHORIZATION.exec(authorization);
    if (!signed || request.headers['x-amz-date'] === undefined) {
      throw new LambdaApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const [, accessKeyId = '', , region, service] = signed;
    if (region !== this.region || service !== 'lambda') {
      throw new LambdaApiError(
        403,
        'InvalidSignatureException',
        `Credential should be scoped to a valid region and service: expected ${this.region}/lambda, got ${region}/${service}.`,
      );
    }
    return accessKeyId;
  }

  private takeFault(operation: LambdaOperation): InjectedFault | undefined {
    const index = this.faults.findIndex((entry) => entry.operation === operation);
    if (index < 0) return undefined;
    return this.faults.splice(index, 1)[0]?.fault;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const method = request.method ?? 'GET';
    let recorded: RecordedRequest | undefined;
    const answer = (status: number, body: unknown, headers: Record<string, string>): void => {
      if (recorded) Object.assign(recorded, { status, answer: body });
      this.send(response, status, body, headers);
    };
    try {
      const accessKeyId = this.signer(request);
      const route = this.route(method, url.pathname, url.searchParams);
      if (!route)
        throw new LambdaApiError(
          404,
          'UnknownOperationException',
          `The Lambda stand-in does not serve ${method} ${url.pathname}`,
        );
      const body = (text === '' ? {} : JSON.parse(text)) as RequestBody;
      recorded = { operation: route.operation, method, path: url.pathname, body, accessKeyId };
      this.requests.push(recorded);
      const fault = this.takeFault(route.operation);
      if (fault) throw new LambdaApiError(fault.status, fault.type, fault.message, { headers: fault.headers });
      const result = route.handle(body);
      answer(result.status, result.body, {});
    } catch (error) {
      // Anything else is a bug in the stand-in; answering 500 keeps the server up and the test failing.
      const failure =
        error instanceof LambdaApiError
          ? error
          : new LambdaApiError(500, 'ServiceException', `Lambda stand-in error: ${String(error)}`, {
              messageField: 'Message',
            });
      answer(failure.status, failure.body(), { 'x-amzn-ErrorType': failure.type, ...failure.headers });
    }
  }

  private send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    response.writeHead(status, {
      'Content-Type': 'application/json',
      'x-amzn-RequestId': randomUUID(),
      ...headers,
    });
    response.end(JSON.stringify(body));
  }
}
