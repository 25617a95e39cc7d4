import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, maxBodyBytes } from '../../src/http/server.ts';
import type { HttpRequest, HttpServer } from '../../src/http/server.ts';

let server: HttpServer | undefined;
const logged: { details: object; message: string }[] = [];

async function start(register: (server: HttpServer) => void): Promise<string> {
  server = createHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: { error: (details, message) => logged.push({ details, message }) },
  });
  register(server);
  const { url } = await server.listen();
  return url;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
  logged.length = 0;
});

function post(url: string, body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

describe('createHttpServer', () => {
  it('says which port is taken and how to pick another when it cannot listen', async () => {
    const url = await start(() => {});
    const port = Number(new URL(url).port);
    const second = createHttpServer({ host: '127.0.0.1', port, logger: { error: () => {} } });
    await expect(second.listen()).rejects.toThrow(
      `Port ${port} on 127.0.0.1 is already in use (another Baton, or another program). Stop it, or pick another port with --port or PORT.`,
    );
  });

  it('listens on a free port and hands the handler the parsed body and query', async () => {
    let seen: HttpRequest | undefined;
    const url = await start((s) =>
      s.route('POST', '/echo', (request) => {
        seen = request;
        return { status: 201, json: { got: request.body } };
      }),
    );
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const response = await post(`${url}/echo?dry=1`, '{"a":[1,2]}');

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ got: { a: [1, 2] } });
    expect(seen?.query.get('dry')).toBe('1');
    expect(seen?.path).toBe('/echo');
  });

  it('gives an undefined body when the request has none', async () => {
    let body: unknown = 'unset';
    const url = await start((s) =>
      s.route('GET', '/x', (request) => {
        body = request.body;
        return { status: 200, json: {} };
      }),
    );

    await fetch(`${url}/x`);

    expect(body).toBeUndefined();
  });

  it('answers an unknown path with 404 JSON', async () => {
    const url = await start(() => {});

    const response = await fetch(`${url}/nope`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'No such route: /nope' });
  });

  it('answers a known path with another method with 405 and the allowed methods', async () => {
    const url = await start((s) => s.route('POST', '/x', () => ({ status: 200, json: {} })));

    const response = await fetch(`${url}/x`);

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('says what is wrong with invalid JSON', async () => {
    const url = await start((s) => s.route('POST', '/x', () => ({ status: 200, json: {} })));

    const response = await post(`${url}/x`, '{"user": }');

    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toMatch(/^The request body is not valid JSON: .*Unexpected token/);
  });

  it('refuses a body that is not sent as JSON', async () => {
    const url = await start((s) => s.route('POST', '/x', () => ({ status: 200, json: {} })));

    const response = await post(`${url}/x`, '{}', 'text/plain');

    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      error: 'Send the body as JSON with "content-type: application/json" (got "text/plain")',
    });
  });

  it(`refuses a body larger than ${maxBodyBytes / 1024} KiB`, async () => {
    const url = await start((s) => s.route('POST', '/x', () => ({ status: 200, json: {} })));

    const response = await post(`${url}/x`, JSON.stringify({ text: 'x'.repeat(maxBodyBytes) }));

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'The request body is larger than 64 KiB' });
  });

  it('answers a failing handler with a generic 500 and logs the error', async () => {
    const url = await start((s) =>
      s.route('GET', '/boom', async () => {
        throw new Error('database password is hunter2');
      }),
    );

    const response = await fetch(`${url}/boom`);

    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({ error: 'Internal server error; see the Baton log for details.' });
    expect(logged).toEqual([
      {
        details: expect.objectContaining({ err: expect.any(Error), method: 'GET', url: '/boom' }),
        message: 'HTTP handler failed',
      },
    ]);
  });

  it('sends a body with its content type', async () => {
    const url = await start((s) =>
      s.route('GET', '/t', () => ({ status: 200, body: 'hi', contentType: 'text/plain' })),
    );

    const response = await fetch(`${url}/t`);

    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('hi');
  });

  it('refuses to register the same route twice', async () => {
    await start((s) => {
      s.route('GET', '/x', () => ({ status: 200, json: {} }));
      const again = (): void => s.route('GET', '/x', () => ({ status: 200, json: {} }));
      expect(again).toThrow('Route GET /x is already registered');
    });
  });

  it('closes even while a stream is open', async () => {
    const url = await start((s) =>
      s.route('GET', '/stream', () => ({
        stream: (response) => {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.write('open');
        },
      })),
    );
    const response = await fetch(`${url}/stream`);
    expect(response.status).toBe(200);

    await server?.close();
    server = undefined;
  });
});
