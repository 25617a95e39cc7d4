/**
 * Request bodies as Discord takes them: JSON, or multipart/form-data with the
 * JSON in a `payload_json` field and the files in `files[n]` fields (what
 * @discordjs/rest sends when a message carries attachments).
 * https://discord.com/developers/docs/reference#uploading-files
 */
import type { IncomingMessage } from 'node:http';
import { DiscordApiError } from './api-error.ts';
import type { UploadedFile } from './messages.ts';

export interface RequestBody {
  /** The JSON body (or payload_json); `undefined` when there was none. */
  json: unknown;
  files: UploadedFile[];
}

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

const invalidJson = (): DiscordApiError => new DiscordApiError(400, 50109, 'The request body contains invalid JSON.');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidJson();
  }
}

export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<RequestBody> {
  if (raw.length === 0) return { json: undefined, files: [] };
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': contentType ?? '' } }).formData();
    } catch {
      throw new DiscordApiError(400, 0, '400: Bad Request');
    }
    const files: UploadedFile[] = [];
    let json: unknown;
    for (const [name, value] of form) {
      if (name === 'payload_json' && typeof value === 'string') {
        json = parseJson(value);
        continue;
      }
      const index = /^files\[(\d+)\]$/.exec(name)?.[1];
      if (index !== undefined && typeof value !== 'string') {
        files.push({
          index: Number(index),
          filename: value.name,
          ...(value.type ? { contentType: value.type } : {}),
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { json, files };
  }
  return { json: parseJson(raw.toString('utf8')), files: [] };
}
