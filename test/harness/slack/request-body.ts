/**
 * Reading request bodies the way Slack's Web API accepts them: form-encoded
 * (what @slack/web-api sends, nested arguments such as `blocks` as JSON
 * strings), JSON (token only in the Authorization header: Slack ignores a
 * `token` field in a JSON body), multipart, or query parameters. Also the
 * multipart reader the file upload URL needs, since WebClient posts file bytes
 * there as multipart/form-data.
 */
import type { IncomingMessage } from 'node:http';

export type Args = Record<string, unknown>;

export type ParsedArgs =
  { args: Args } | { error: 'invalid_json' | 'json_not_object' | 'invalid_form_data' | 'invalid_post_type' };

export interface MultipartPart {
  name: string;
  filename?: string;
  data: Buffer;
}

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function parseApiArgs(contentType: string | undefined, raw: Buffer, query: URLSearchParams): ParsedArgs {
  const args: Args = Object.fromEntries(query);
  if (raw.length === 0) return { args };
  const type = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    return { args: { ...args, ...Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) } };
  }
  if (type === 'application/json') {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { error: 'invalid_json' };
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'json_not_object' };
    const { token: _ignored, ...fields } = body as Args;
    return { args: { ...args, ...fields } };
  }
  if (type === 'multipart/form-data') {
    const parts = parseMultipart(contentType, raw);
    if (!parts) return { error: 'invalid_form_data' };
    for (const part of parts) args[part.name] = part.filename === undefined ? part.data.toString('utf8') : part.data;
    return { args };
  }
  return { error: 'invalid_post_type' };
}

/** The parts of a multipart/form-data body, or undefined when it is not one. */
export function parseMultipart(contentType: string | undefined, raw: Buffer): MultipartPart[] | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (mediaType(contentType) !== 'multipart/form-data' || boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let start = raw.indexOf(delimiter);
  if (start < 0) return undefined;
  for (;;) {
    const afterDelimiter = start + delimiter.length;
    if (raw.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') return parts;
    const headerEnd = raw.indexOf('\r\n\r\n', afterDelimiter);
    const next = raw.indexOf(delimiter, afterDelimiter);
    if (headerEnd < 0 || next < 0) return undefined;
    const headers = raw.subarray(afterDelimiter, headerEnd).toString('utf8');
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) return undefined;
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    // The part's data ends before the CRLF that precedes the next delimiter.
    const data = raw.subarray(headerEnd + 4, next - 2);
    parts.push(filename === undefined ? { name, data } : { name, filename, data });
    start = next;
  }
}

/** A nested argument: a JSON string in a form body, the value itself in a JSON body. */
export function jsonArg(
  args: Args,
  name: string,
): { present: false } | { present: true; value: unknown } | { present: true; invalid: true } {
  const raw = args[name];
  if (raw === undefined || raw === '') return { present: false };
  if (typeof raw !== 'string') return { present: true, value: raw };
  try {
    return { present: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { present: true, invalid: true };
  }
}

export function stringArg(args: Args, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : String(value);
}

export function booleanArg(args: Args, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}
