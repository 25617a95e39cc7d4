/** Reads a Server-Sent Events stream with fetch, one event at a time. */

export interface ServerSentEvent {
  event: string;
  data: string;
  comment: string;
}

export interface EventStreamReader {
  response: Response;
  /** Reads until an event matches; fails after `timeoutMs`. */
  next(matches: (event: ServerSentEvent) => boolean, timeoutMs?: number): Promise<ServerSentEvent>;
  close(): void;
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStreamReader> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers });
  if (!response.body) {
    throw new Error(`${url} answered without a body`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';

  async function readEvent(): Promise<ServerSentEvent> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end !== -1) {
        const raw = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return parseEvent(raw);
      }
      const { value, done } = await reader.read();
      if (done) {
        throw new Error('The event stream ended');
      }
      buffer += value;
    }
  }

  return {
    response,
    async next(matches, timeoutMs = 5000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`No matching event within ${timeoutMs} ms`)), timeoutMs);
      });
      const search = (async () => {
        for (;;) {
          const event = await readEvent();
          if (matches(event)) return event;
        }
      })();
      try {
        return await Promise.race([search, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => controller.abort(),
  };
}

function parseEvent(raw: string): ServerSentEvent {
  const event: ServerSentEvent = { event: 'message', data: '', comment: '' };
  for (const line of raw.split('\n')) {
    if (line.startsWith(':')) event.comment += line.slice(1).trim();
    else if (line.startsWith('event: ')) event.event = line.slice('event: '.length);
    else if (line.startsWith('data: ')) event.data += line.slice('data: '.length);
  }
  return event;
}
