/** Drives Baton through the console's JSON API, as a script would. */
import type { Reply } from '../../src/chat/contract.ts';
import type { Button, ChatMessage } from '../../src/chat/message.ts';
import type { RootMessageView } from '../../src/chat/console/message-store.ts';

export interface ConsoleClient {
  command(user: string, text: string): Promise<Reply>;
  click(user: string, actionId: Button['actionId'], value: string, reason?: string): Promise<Reply>;
  messages(channel?: string): Promise<RootMessageView[]>;
  /** The root message of a promotion (by its header). */
  promotionMessage(id: string): Promise<RootMessageView>;
}

async function postJson(url: string, body: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { reply?: Reply; error?: string };
  if (!response.ok || !json.reply) throw new Error(`${url} answered ${response.status}: ${json.error ?? 'no reply'}`);
  return json.reply;
}

export function replyText(reply: Reply): string {
  return messageText(reply.message);
}

export function messageText(message: ChatMessage): string {
  return message.blocks
    .map((block) => {
      switch (block.type) {
        case 'fields':
          return block.fields.map((f) => `${f.label}: ${f.value}`).join('\n');
        case 'list':
          return block.items.map((i) => i.text).join('\n');
        case 'actions':
          return block.buttons.map((b) => `[${b.label}]`).join(' ');
        default:
          return block.text;
      }
    })
    .join('\n');
}

/** Every line of a thread in order: a coalesced reply carries several events, one per line. */
export function threadLines(root: RootMessageView): string[] {
  return root.thread.flatMap((reply) => reply.message.text.split('\n'));
}

export function buttonsOf(message: ChatMessage): Button[] {
  return message.blocks.flatMap((b) => (b.type === 'actions' ? b.buttons : []));
}

export function consoleClient(baseUrl: string): ConsoleClient {
  const client: ConsoleClient = {
    command: (user, text) => postJson(`${baseUrl}/api/console/commands`, { user, text }),
    click: (user, actionId, value, reason) =>
      postJson(`${baseUrl}/api/console/actions`, { user, actionId, value, ...(reason ? { reason } : {}) }),
    async messages(channel) {
      const response = await fetch(
        `${baseUrl}/api/console/messages${channel ? `?channel=${encodeURIComponent(channel)}` : ''}`,
      );
      return ((await response.json()) as { messages: RootMessageView[] }).messages;
    },
    async promotionMessage(id) {
      const found = (await client.messages()).find((m) => m.message.text.startsWith(`Promotion #${id}:`));
      if (!found) throw new Error(`no message for promotion #${id}`);
      return found;
    },
  };
  return client;
}
