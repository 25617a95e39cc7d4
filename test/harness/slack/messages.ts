/**
 * What the bot has said, kept the way a Slack client would show it: root
 * messages per channel, each with its thread; a reply to a reply lands in the
 * parent's thread, as Slack does. Edits keep the earlier versions so a test
 * can tell "updated the status line" from "posted a new one". Message ts are
 * unique and increasing, in Slack's `seconds.micros` form.
 */

export interface MessageContent {
  text: string;
  blocks: unknown[];
  attachments: unknown[];
}

export type MessageSource = 'chat.postMessage' | 'response_url' | 'command_answer' | 'files.completeUploadExternal';

export interface SharedFile {
  id: string;
  name: string;
  title: string;
}

export interface PostedMessage extends MessageContent {
  channel: string;
  ts: string;
  /** Set on thread replies: the root's ts. */
  threadTs?: string;
  /** The bot user id. */
  user: string;
  botId: string;
  via: MessageSource;
  replyBroadcast: boolean;
  files: SharedFile[];
  /** Thread replies in order (root messages only). */
  replies: PostedMessage[];
  /** How many times chat.update (or a response_url replace) changed it. */
  edits: number;
  /** When it was last edited, in ts form. */
  editedTs?: string;
  /** Earlier versions, oldest first. */
  history: MessageContent[];
  deleted: boolean;
  postedAt: number;
}

export type EphemeralSource = 'chat.postEphemeral' | 'response_url' | 'command_answer';

export interface EphemeralMessage extends MessageContent {
  channel: string;
  user: string;
  /** What chat.postEphemeral answered as `message_ts`. */
  ts: string;
  threadTs?: string;
  via: EphemeralSource;
  /** Replaced through a response_url with replace_original. */
  edits: number;
  deleted: boolean;
  postedAt: number;
}

export interface PostOptions {
  threadTs?: string;
  via: MessageSource;
  user: string;
  botId: string;
  replyBroadcast?: boolean;
  files?: SharedFile[];
}

function key(channel: string, ts: string): string {
  return `${channel}/${ts}`;
}

export class MessageStore {
  readonly ephemerals: EphemeralMessage[] = [];
  private readonly roots = new Map<string, PostedMessage[]>();
  private readonly threads = new Map<string, PostedMessage[]>();
  private readonly byTs = new Map<string, PostedMessage>();
  private lastMicros = 0;

  constructor(private readonly clock: () => number) {}

  nextTs(): string {
    this.lastMicros = Math.max(Math.floor(this.clock() * 1000), this.lastMicros + 1);
    const micros = this.lastMicros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  post(channel: string, content: MessageContent, options: PostOptions): PostedMessage {
    const parent = options.threadTs === undefined ? undefined : this.byTs.get(key(channel, options.threadTs));
    // Slack threads a reply to a reply under the original root.
    const threadTs = parent?.threadTs ?? options.threadTs;
    const message: PostedMessage = {
      ...content,
      channel,
      ts: this.nextTs(),
      ...(threadTs === undefined ? {} : { threadTs }),
      user: options.user,
      botId: options.botId,
      via: options.via,
      replyBroadcast: options.replyBroadcast ?? false,
      files: options.files ?? [],
      replies: [],
      edits: 0,
      history: [],
      deleted: false,
      postedAt: this.clock(),
    };
    this.byTs.set(key(channel, message.ts), message);
    if (threadTs === undefined) {
      message.replies = this.threadOf(channel, message.ts);
      this.rootsOf(channel).push(message);
    } else {
      this.threadOf(channel, threadTs).push(message);
    }
    return message;
  }

  find(channel: string, ts: string): PostedMessage | undefined {
    const message = this.byTs.get(key(channel, ts));
    return message?.deleted ? undefined : message;
  }

  update(message: PostedMessage, content: Partial<MessageContent>): void {
    message.history.push({ text: message.text, blocks: message.blocks, attachments: message.attachments });
    Object.assign(message, content);
    message.edits += 1;
    message.editedTs = this.nextTs();
  }

  delete(message: PostedMessage): void {
    message.deleted = true;
  }

  channelMessages(channel: string): PostedMessage[] {
    return this.rootsOf(channel).filter((message) => !message.deleted);
  }

  /** Replies under `threadTs`, also when the root was never seen (Slack accepts those). */
  thread(channel: string, threadTs: string): PostedMessage[] {
    const root = this.byTs.get(key(channel, threadTs));
    return this.threadOf(channel, root?.threadTs ?? threadTs).filter((message) => !message.deleted);
  }

  addEphemeral(ephemeral: Omit<EphemeralMessage, 'ts' | 'edits' | 'deleted' | 'postedAt'>): EphemeralMessage {
    const message: EphemeralMessage = {
      ...ephemeral,
      ts: this.nextTs(),
      edits: 0,
      deleted: false,
      postedAt: this.clock(),
    };
    this.ephemerals.push(message);
    return message;
  }

  private rootsOf(channel: string): PostedMessage[] {
    let list = this.roots.get(channel);
    if (!list) {
      list = [];
      this.roots.set(channel, list);
    }
    return list;
  }

  private threadOf(channel: string, threadTs: string): PostedMessage[] {
    let list = this.threads.get(key(channel, threadTs));
    if (!list) {
      list = [];
      this.threads.set(key(channel, threadTs), list);
    }
    return list;
  }
}
