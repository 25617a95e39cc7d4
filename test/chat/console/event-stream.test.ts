import { afterEach, expect, it } from 'vitest';
import { openEventStream as serveEventStream } from '../../../src/chat/console/event-stream.ts';
import type { ConsoleEventSource } from '../../../src/chat/console/event-stream.ts';
import type { ConsoleChangeListener } from '../../../src/chat/console/message-store.ts';
import { createHttpServer } from '../../../src/http/server.ts';
import type { HttpServer } from '../../../src/http/server.ts';
import { openEventStream } from './sse-client.ts';
import { startConsole } from './start-console.ts';
import type { RunningConsole } from './start-console.ts';

let server: HttpServer | undefined;
let running: RunningConsole | undefined;

afterEach(async () => {
  await server?.close();
  await running?.stop();
  server = undefined;
  running = undefined;
});

it('stops listening and heartbeating when the client goes away', async () => {
  const listeners = new Set<ConsoleChangeListener>();
  const source: ConsoleEventSource = {
    snapshot: () => ({ channels: ['#baton'], messages: [] }),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  let closed = 0;
  server = createHttpServer({ host: '127.0.0.1', port: 0 });
  server.route('GET', '/events', () => ({
    stream: (response) => {
      serveEventStream(response, source, 10, () => (closed += 1));
    },
  }));
  const { url } = await server.listen();
  const events = await openEventStream(`${url}/events`);
  await events.next((event) => event.event === 'snapshot');
  expect(listeners.size).toBe(1);

  events.close();

  await expect.poll(() => closed).toBe(1);
  expect(listeners.size).toBe(0);
});

it('ends open streams when the console stops', async () => {
  running = await startConsole();
  const events = await openEventStream(`${running.url}/api/console/events`);
  await events.next((event) => event.event === 'snapshot');

  await running.chat.stop();

  await expect(events.next(() => false)).rejects.toThrow('The event stream ended');
});
