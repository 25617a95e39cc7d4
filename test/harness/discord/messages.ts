/**
 * Messages as Discord keeps them: per channel (a thread is a channel), in
 * order, each edit applied and the earlier versions kept for tests, and
 * ephemeral interaction responses apart, since nobody but their user sees
 * them. `apiMessage` is the message object discord.js reads back
 * (https://discord.com/developers/docs/resources/message#message-object).
 */
import { apiUser, type GuildDirectory } from './guilds.ts';
import type { Snowflakes } from './snowflakes.ts';

type Json = Record<string, unknown>;

/** MessageFlags: EPHEMERAL and LOADING (a deferred response not yet edited). */
export const EPHEMERAL = 1 << 6;
export const LOADING = 1 << 7;
const SETTABLE_FLAGS = (1 << 2) | EPHEMERAL | (1 << 12) | (1 << 13) | (1 << 15);

export interface StoredAttachment {
  id: string;
  filename: string;
  description?: string;
  contentType?: string;
  size: number;
  url: string;
  bytes: Buffer;
}

export interface UploadedFile {
  /** The `n` of the `files[n]` form field. */
  index: number;
  filename: string;
  contentType?: string;
  bytes: Buffer;
}

export interface MessageVersion {
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: string[];
  flags: number;
  at: number;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  guildId: string;
  /** The bot's user id for everything the stand-in receives. */
  authorId: string;
  content: string;
  embeds: Json[];
  components: Json[];
  attachments: StoredAttachment[];
  flags: number;
  /** MessageType: 0 default, 20 a slash command's response, 19 a reply. */
  type: number;
  createdAt: number;
  editedAt?: number;
  /** Earlier versions, oldest first; empty if never edited. */
  history: MessageVersion[];
  ephemeral: boolean;
  /** The interaction this message answers, if any. */
  interaction?: { id: string; type: number; name?: string; userId: string };
  /** Set for interaction responses and follow-ups: they are webhook messages of the application. */
  webhookId?: string;
  /** The thread started from this message (its id is the message's). */
  threadId?: string;
  deleted: boolean;
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

export class MessageStore {
  private readonly byId = new Map<string, StoredMessage>();
  private readonly order = new Map<string, string[]>();

  constructor(
    private readonly ids: Snowflakes,
    private readonly clock: () => number,
    private readonly baseUrl: () => string,
  ) {}

  get(id: string): StoredMessage | undefined {
    const message = this.byId.get(id);
    return message && !message.deleted ? message : undefined;
  }

  /** Visible messages of a channel or thread, oldest first. */
  inChannel(channelId: string): StoredMessage[] {
    return (this.order.get(channelId) ?? [])
      .map((id) => this.byId.get(id))
      .filter((message): message is StoredMessage => !!message && !message.deleted && !message.ephemeral);
  }

  ephemerals(): StoredMessage[] {
    return [...this.byId.values()].filter((message) => message.ephemeral && !message.deleted);
  }

  private attachments(body: Json, files: UploadedFile[], kept: StoredAttachment[]): StoredAttachment[] {
    const described = list(body.attachments);
    const result = kept.filter(
      (attachment) => described.length === 0 || described.some((entry) => String(entry.id) === attachment.id),
    );
    for (const file of files) {
      const entry = described.find((candidate) => String(candidate.id) === String(file.index));
      const id = this.ids.next();
      const filename = typeof entry?.filename === 'string' ? entry.filename : file.filename;
      result.push({
        id,
        filename,
        ...(typeof entry?.description === 'string' ? { description: entry.description } : {}),
        ...(file.contentType ? { contentType: file.contentType } : {}),
        size: file.bytes.length,
        url: `${this.baseUrl()}/attachments/${id}/${encodeURIComponent(filename)}`,
        bytes: file.bytes,
      });
    }
    return result;
  }

  create(
    channelId: string,
    guildId: string,
    authorId: string,
    body: Json,
    files: UploadedFile[],
    extra: Partial<StoredMessage> = {},
  ): StoredMessage {
    const { flags: extraFlags = 0, ...rest } = extra;
    const flags = (typeof body.flags === 'number' ? body.flags & SETTABLE_FLAGS : 0) | extraFlags;
    const message: StoredMessage = {
      id: this.ids.next(),
      channelId,
      guildId,
      authorId,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: list(body.embeds),
      components: list(body.components),
      attachments: this.attachments(body, files, []),
      flags,
      type: 0,
      createdAt: this.clock(),
      history: [],
      ephemeral: (flags & EPHEMERAL) !== 0,
      deleted: false,
      ...rest,
    };
    this.byId.set(message.id, message);
    const ids = this.order.get(channelId) ?? [];
    ids.push(message.id);
    this.order.set(channelId, ids);
    return message;
  }

  /** Applies an edit: fields present in the body replace the old ones; the old version goes to `history`. */
  edit(message: StoredMessage, body: Json, files: UploadedFile[]): StoredMessage {
    message.history.push({
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      attachments: message.attachments.map((attachment) => attachment.filename),
      flags: message.flags,
      at: message.editedAt ?? message.createdAt,
    });
    if ('content' in body) message.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body) message.embeds = list(body.embeds);
    if ('components' in body) message.components = list(body.components);
    if ('attachments' in body || files.length > 0)
      message.attachments = this.attachments(body, files, message.attachments);
    message.flags &= ~LOADING;
    message.editedAt = this.clock();
    return message;
  }

  delete(message: StoredMessage): void {
    message.deleted = true;
  }

  apiMessage(message: StoredMessage, directory: GuildDirectory): Json {
    const thread = message.threadId === undefined ? undefined : directory.channels.get(message.threadId);
    const author =
      message.authorId === directory.botUser.id
        ? apiUser(directory.botUser, true)
        : apiUser({ id: message.authorId, username: message.authorId });
    return {
      id: message.id,
      type: message.type,
      channel_id: message.channelId,
      ...(message.ephemeral ? {} : { guild_id: message.guildId }),
      author,
      content: message.content,
      timestamp: new Date(message.createdAt).toISOString(),
      edited_timestamp: message.editedAt === undefined ? null : new Date(message.editedAt).toISOString(),
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      mention_channels: [],
      attachments: message.attachments.map((attachment) => ({
        id: attachment.id,
        filename: attachment.filename,
        ...(attachment.description === undefined ? {} : { description: attachment.description }),
        ...(attachment.contentType === undefined ? {} : { content_type: attachment.contentType }),
        size: attachment.size,
        url: attachment.url,
        proxy_url: attachment.url,
      })),
      embeds: message.embeds,
      reactions: [],
      pinned: false,
      flags: message.flags,
      components: message.components,
      ...(message.webhookId === undefined ? {} : { webhook_id: message.webhookId, application_id: message.webhookId }),
      ...(message.interaction === undefined
        ? {}
        : {
            interaction_metadata: {
              id: message.interaction.id,
              type: message.interaction.type,
              user: apiUser(
                directory.findMember(message.guildId, message.interaction.userId) ?? {
                  id: message.interaction.userId,
                  username: message.interaction.userId,
                },
              ),
              authorizing_integration_owners: { '0': message.guildId },
            },
          }),
      ...(thread === undefined ? {} : { thread: directory.apiChannel(thread) }),
    };
  }
}
