/**
 * Server-Sent Events for the console page: a snapshot on connect, then one
 * event per change, with comment heartbeats so proxies and browsers keep the
 * connection open while nothing happens.
 */
import type { ServerResponse } from 'node:http';
import type { ConsoleChangeListener, ConsoleSnapshot } from './message-store.ts';

export interface ConsoleEventSource {
  snapshot(): ConsoleSnapshot;
  subscribe(listener: ConsoleChangeListener): () => void;
}

/** How long the browser waits before reconnecting after a drop. */
const reconnectDelayMs = 2000;

/** Opens the stream on `response`; returns a function that ends it. */
export function openEventStream(
  response: ServerResponse,
  source: ConsoleEventSource,
  heartbeatMs: number,
  onClosed: () => void,
): () => void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const write = (chunk: string): void => {
    if (!response.destroyed && !response.writableEnded) {
      response.write(chunk);
    }
  };
  write(`retry: ${reconnectDelayMs}\n\n`);
  write(`event: snapshot\ndata: ${JSON.stringify(source.snapshot())}\n\n`);

  const unsubscribe = source.subscribe((event) => write(`event: message\ndata: ${JSON.stringify(event)}\n\n`));
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();

  response.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    onClosed();
  });
  return () => response.end();
}
