/**
 * A watch as the API server streams it: one JSON event per line
 * (`{"type":"MODIFIED","object":{…}}`), first the changes after the
 * requested resourceVersion (or ADDED for everything when none was given),
 * then changes as they happen, until `timeoutSeconds` or the connection ends.
 * A version older than the store's history gets one ERROR event with a
 * 410 Expired Status, and the stream ends.
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject, ObjectStore, StoredEvent } from './object-store.ts';
import { statuses } from './status.ts';

export interface WatchOptions {
  /** Answer with 410 Expired whatever version was asked for, as right after a compaction. */
  expire: boolean;
  /** Where open watches are kept, so a test can cut them. */
  openWatches: Set<ServerResponse>;
}

export function serveWatch(
  store: ObjectStore,
  response: ServerResponse,
  collection: string,
  query: Record<string, string>,
  options: WatchOptions,
): void {
  const name = /^metadata\.name=(.+)$/.exec(query.fieldSelector ?? '')?.[1];
  const matches = (object: KubeObject): boolean => name === undefined || object.metadata.name === name;
  const line = (type: string, object: unknown): void => {
    response.write(`${JSON.stringify({ type, object })}\n`);
  };
  response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  const requested = query.resourceVersion;
  const expire = (): void => {
    line('ERROR', statuses.expired(Number(requested ?? 0), store.oldestResourceVersion));
    response.end();
  };
  if (options.expire) {
    expire();
    return;
  }
  if (requested === undefined || requested === '' || requested === '0') {
    for (const object of store.list(collection).filter(matches)) line('ADDED', object);
  } else {
    const missed = store.eventsSince(collection, Number(requested));
    if (missed === 'expired') {
      expire();
      return;
    }
    for (const event of missed.filter((entry) => matches(entry.object))) line(event.type, event.object);
  }
  const unsubscribe = store.subscribe((event: StoredEvent) => {
    if (event.collection === collection && matches(event.object)) line(event.type, event.object);
  });
  options.openWatches.add(response);
  const timeout = setTimeout(() => response.end(), Number(query.timeoutSeconds ?? 1800) * 1000);
  response.on('close', () => {
    clearTimeout(timeout);
    unsubscribe();
    options.openWatches.delete(response);
  });
}
