/** Starts a ConsoleChat on a real HTTP server on a free port, with the fake handler. */
import type { MessageRef } from '../../../src/core/model.ts';
import type { Reply } from '../../../src/chat/contract.ts';
import type { Clock } from '../../../src/core/capabilities.ts';
import { ConsoleChat } from '../../../src/chat/console/console-chat.ts';
import { createHttpServer } from '../../../src/http/server.ts';
import type { HttpServer } from '../../../src/http/server.ts';
import { FakeInteractionHandler } from './fake-handler.ts';
import type { FakeHandlerOptions } from './fake-handler.ts';

export interface RunningConsole {
  url: string;
  server: HttpServer;
  chat: ConsoleChat;
  handler: FakeInteractionHandler;
  loggedErrors: { details: object; message: string }[];
  stop(): Promise<void>;
}

/** A clock that moves one second per reading, so every timestamp differs. */
export function steppingClock(start = '2026-03-02T09:00:00.000Z'): Clock {
  let at = Date.parse(start);
  return {
    now: () => {
      at += 1000;
      return new Date(at);
    },
  };
}

export async function startConsole(
  options: { handler?: FakeHandlerOptions; heartbeatMs?: number; started?: boolean } = {},
): Promise<RunningConsole> {
  const loggedErrors: RunningConsole['loggedErrors'] = [];
  const server = createHttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: { error: (details, message) => loggedErrors.push({ details, message }) },
  });
  const chat = new ConsoleChat({ server, clock: steppingClock(), heartbeatMs: options.heartbeatMs });
  const handler = new FakeInteractionHandler(chat, options.handler);
  if (options.started ?? true) {
    await chat.start(handler);
  }
  const { url } = await server.listen();
  return {
    url,
    server,
    chat,
    handler,
    loggedErrors,
    async stop() {
      await chat.stop();
      await server.close();
    },
  };
}

/** What the console API answers: a reply, or an error naming the field. */
export interface ConsoleApiAnswer {
  reply?: Reply;
  posted?: MessageRef;
  at?: string;
  error?: string;
  field?: string;
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: ConsoleApiAnswer }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as ConsoleApiAnswer };
}
