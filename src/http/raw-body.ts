/**
 * The raw body of a request for a mounted path (a platform's signed webhook),
 * read only up to a limit: the signature is checked after the body is read, so
 * without a limit anyone could make Baton hold gigabytes before being refused.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Slack's and Discord's requests are a few kilobytes; a megabyte leaves room and stops abuse. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** The body, or undefined when it is larger than `maxBytes` (the request is then left unread). */
export function readLimitedBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        request.off('data', onData).off('end', onEnd).pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    request.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/**
 * Refuses what a webhook path never takes — another method, a body over the
 * limit — and hands the rest on with its body read. Answers itself and
 * resolves undefined when it refused.
 */
export async function webhookBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes = MAX_WEBHOOK_BODY_BYTES,
): Promise<Buffer | undefined> {
  if (request.method !== 'POST') {
    response
      .writeHead(405, { allow: 'POST', 'content-type': 'text/plain', connection: 'close' })
      .end('Only POST is accepted here.');
    return undefined;
  }
  const body = await readLimitedBody(request, maxBytes);
  if (!body)
    response
      .writeHead(413, { 'content-type': 'text/plain', connection: 'close' })
      .end(`The body is larger than ${maxBytes / 1024} KiB.`);
  return body;
}
