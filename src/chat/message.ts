/**
 * The platform-neutral message model. Core events are rendered into these;
 * each platform (console HTML, Slack Block Kit, Discord components) renders
 * them once more into its own form.
 */

/** How a line or a message should read at a glance. */
export type Tone = 'neutral' | 'active' | 'good' | 'bad' | 'warning';

/** Every button a message may carry; each platform's receiver accepts exactly these. */
export const ACTION_IDS = ['approve', 'reject', 'rollback', 'remind'] as const;

export type ActionId = (typeof ACTION_IDS)[number];

export interface Button {
  actionId: ActionId;
  label: string;
  /** Opaque to the platform: handed back as it is when the button is clicked. */
  value: string;
  style?: 'primary' | 'danger';
  /** Ask the person for a reason before sending the action (Reject). */
  asksForReason?: boolean;
}

export interface ListItem {
  text: string;
  tone: Tone;
  /** Folded detail: a diff, a log tail. */
  detail?: string;
}

export type Block =
  | { type: 'header'; text: string }
  /** Light markup: *bold*, `code`. */
  | { type: 'text'; text: string }
  | { type: 'fields'; fields: { label: string; value: string }[] }
  /** `title` heads the list ("Wave 1"); platforms show it above the lines. */
  | { type: 'list'; title?: string; items: ListItem[] }
  | { type: 'code'; text: string }
  | { type: 'context'; text: string }
  | { type: 'actions'; buttons: Button[] };

export interface ChatMessage {
  /** Plain-text fallback for notifications and platforms without blocks. */
  text: string;
  tone: Tone;
  blocks: Block[];
  /** The user ids this message means to notify (approvers asked to act); a platform that can limit notifications notifies these only. */
  mentions?: string[];
}

/** The mark a line of a list starts with, by its tone, on platforms that show emoji. */
export const TONE_MARK: Record<Tone, string> = {
  neutral: '▫️',
  active: '⏳',
  good: '✅',
  bad: '❌',
  warning: '⚠️',
};

/** Cuts `text` to `max` characters, marking the cut: platforms keep inside their limits with it. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A channel as text: `#name`, or `#` and its id, which each platform shows as a
 * link to the channel (a bare Discord id would read as a person). Words that
 * already describe where (a thread of a channel) stay as they are.
 */
export function channelText(channel: string): string {
  return /^[^\s#]+$/.test(channel) ? `#${channel}` : channel;
}

export function textMessage(text: string, tone: Tone = 'neutral'): ChatMessage {
  return { text, tone, blocks: [{ type: 'text', text }] };
}

/** The whole message as plain text, details included: what a platform attaches when its own form has to leave part out. */
export function messagePlainText(message: ChatMessage): string {
  const lines: string[] = [];
  for (const block of message.blocks) {
    if (block.type === 'header' || block.type === 'text' || block.type === 'context' || block.type === 'code')
      lines.push(block.text);
    if (block.type === 'fields') lines.push(...block.fields.map((f) => `${f.label}: ${f.value}`));
    if (block.type === 'list') {
      if (block.title) lines.push(block.title);
      for (const item of block.items) {
        lines.push(`- ${item.text}`);
        if (item.detail) lines.push(...item.detail.split('\n').map((line) => `    ${line}`));
      }
    }
  }
  return lines.join('\n');
}
