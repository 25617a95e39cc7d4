/**
 * Server-Sent Events for the console page: a snapshot on connect, then one
 * event per change, with comment heartbeats so proxies and browsers keep the
 * connection open while nothing happens.
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../../core/capabilities.ts';
import type { ConsoleChangeListener, ConsoleSnapshot } from './message-store.ts';

export interface ConsoleEventSource {
  snapshot(): ConsoleSnapshot;
  subscribe(listener: ConsoleChangeListener): () => void;
}

/** How long the browser waits before reconnecting after a drop. */
const reconnectDelayMs = 2000;

/** The longest delay setTimeout keeps; a later end is waited for in steps. */
const maxTimerMs = 2 ** 31 - 1;

/** When the stream must end: the caller's sign-in expiry, by Baton's clock. */
export interface StreamDeadline {
  at: number;
  clock: Clock;
}

/**
 * Opens the stream on `response`; returns a function that ends it. With a
 * deadline the stream ends when the session that opened it expires: the
 * browser reconnects, and its access is checked again (401 once it expired).
 */
export function openEventStream(
  response: ServerResponse,
  source: ConsoleEventSource,
  heartbeatMs: number,
  onClosed: () => void,
  deadline?: StreamDeadline,
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

  const end = (): void => {
    unsubscribe();
    response.end();
  };
  let expiry: NodeJS.Timeout | undefined;
  const endAtDeadline = (): void => {
    if (!deadline) return;
    const left = deadline.at - deadline.clock.now().getTime();
    if (left <= 0) {
      end();
      return;
    }
    expiry = setTimeout(endAtDeadline, Math.min(left, maxTimerMs));
    expiry.unref();
  };
  endAtDeadline();

  response.on('close', () => {
    clearInterval(heartbeat);
    clearTimeout(expiry);
    unsubscribe();
    onClosed();
  });
  return end;
}
