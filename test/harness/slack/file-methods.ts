/**
 * Slack's three-step file upload, which files.uploadV2 in @slack/web-api
 * drives: files.getUploadURLExternal (filename + length → upload_url,
 * file_id), a POST of the bytes to upload_url (WebClient sends them as
 * multipart/form-data; raw bodies work too), then files.completeUploadExternal
 * (files=[{id,title}], channel_id, thread_ts, initial_comment), which shares
 * the files in a message in the channel or thread.
 */
import { randomBytes } from 'node:crypto';
import { missingArgument, SlackApiError, withMessages } from './api-error.ts';
import type { MethodResult } from './chat-methods.ts';
import { checkedContent } from './message-content.ts';
import { jsonArg, parseMultipart, stringArg, type Args } from './request-body.ts';
import type { RecordedFile, StandInState } from './state.ts';

export const UPLOAD_PATH = /^\/upload\/v1\/([A-Za-z0-9]+)\/([0-9a-f]+)$/;

const uploadSecrets = new WeakMap<RecordedFile, string>();

export function getUploadUrlExternal(state: StandInState, args: Args): MethodResult {
  const filename = stringArg(args, 'filename');
  if (filename === undefined) throw missingArgument('filename');
  const lengthArg = stringArg(args, 'length');
  if (lengthArg === undefined) throw missingArgument('length');
  const length = Number(lengthArg);
  if (!Number.isInteger(length) || length < 0)
    throw withMessages('invalid_arguments', ['length must be a non-negative integer'], { errorsField: false });
  const file: RecordedFile = {
    id: `F${String(state.files.size + 1).padStart(8, '0')}`,
    name: filename,
    title: filename,
    length,
    uploaded: false,
    completed: false,
  };
  const altText = stringArg(args, 'alt_text');
  if (altText !== undefined) file.altText = altText;
  const snippetType = stringArg(args, 'snippet_type');
  if (snippetType !== undefined) file.snippetType = snippetType;
  state.files.set(file.id, file);
  const secret = randomBytes(8).toString('hex');
  uploadSecrets.set(file, secret);
  return { upload_url: `${state.baseUrl}/upload/v1/${file.id}/${secret}`, file_id: file.id };
}

/** The POST to an upload URL; answers like Slack's upload host, in plain text. */
export function receiveUpload(
  state: StandInState,
  path: string,
  contentType: string | undefined,
  raw: Buffer,
): { status: number; text: string } {
  const [, fileId = '', secret = ''] = UPLOAD_PATH.exec(path) ?? [];
  const file = state.files.get(fileId);
  if (!file || uploadSecrets.get(file) !== secret || file.completed) return { status: 404, text: 'Not Found' };
  const parts = parseMultipart(contentType, raw);
  const bytes = parts ? (parts.find((part) => part.filename !== undefined) ?? parts[0])?.data : raw;
  if (bytes === undefined) return { status: 400, text: 'no file data' };
  file.bytes = Buffer.from(bytes);
  file.content = file.bytes.toString('utf8');
  file.uploaded = true;
  return { status: 200, text: `OK - ${file.bytes.length}` };
}

function fileJson(state: StandInState, file: RecordedFile): Record<string, unknown> {
  return {
    id: file.id,
    name: file.name,
    title: file.title,
    size: file.bytes?.length ?? 0,
    user: state.workspace.botUserId,
    mimetype: 'text/plain',
    filetype: file.snippetType ?? 'text',
    created: Math.floor(state.clock() / 1000),
    ...(file.channel === undefined ? {} : { shares: { public: { [file.channel]: [{ ts: file.messageTs }] } } }),
  };
}

export function completeUploadExternal(state: StandInState, args: Args): MethodResult {
  const filesArg = jsonArg(args, 'files');
  if (!filesArg.present) throw missingArgument('files');
  if ('invalid' in filesArg || !Array.isArray(filesArg.value) || filesArg.value.length === 0)
    throw new SlackApiError('invalid_arguments');
  const entries = filesArg.value as Array<{ id?: unknown; title?: unknown }>;
  const files = entries.map((entry) => {
    const file = typeof entry.id === 'string' ? state.files.get(entry.id) : undefined;
    if (!file || !file.uploaded || file.completed) throw new SlackApiError('file_not_found');
    return { file, title: typeof entry.title === 'string' && entry.title !== '' ? entry.title : file.name };
  });
  const channelArg = stringArg(args, 'channel_id');
  const threadTs = stringArg(args, 'thread_ts');
  if (threadTs !== undefined && channelArg === undefined) throw missingArgument('channel_id');
  let channel: string | undefined;
  if (channelArg !== undefined) {
    const lookup = state.workspace.channelFor(channelArg);
    if (!lookup.ok) throw new SlackApiError(lookup.error);
    channel = lookup.id;
  }
  const initialComment = stringArg(args, 'initial_comment');
  const content = checkedContent({ text: initialComment, blocks: args.blocks }, false);
  for (const { file, title } of files) {
    file.title = title;
    file.completed = true;
  }
  if (channel !== undefined) {
    const message = state.messages.post(
      channel,
      { text: content.text ?? '', blocks: content.blocks ?? [], attachments: [] },
      {
        ...(threadTs === undefined ? {} : { threadTs }),
        via: 'files.completeUploadExternal',
        user: state.workspace.botUserId,
        botId: state.workspace.botId,
        files: files.map(({ file }) => ({ id: file.id, name: file.name, title: file.title })),
      },
    );
    for (const { file } of files) {
      file.channel = channel;
      file.messageTs = message.ts;
      if (message.threadTs !== undefined) file.threadTs = message.threadTs;
      if (initialComment !== undefined) file.initialComment = initialComment;
    }
  }
  return { files: files.map(({ file }) => fileJson(state, file)) };
}
