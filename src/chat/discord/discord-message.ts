/**
 * Renders Baton's platform-neutral messages for Discord: text blocks as the
 * message content (where mentions notify), the rest as one embed (title,
 * fields, the step list, a footer), buttons as action rows. A message too
 * large for Discord keeps its title, fields and buttons and summarizes the
 * list; the whole text comes back as `overflow` for the caller to attach.
 */
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
} from 'discord.js';
import {
  clip,
  messagePlainText,
  TONE_MARK,
  type Block,
  type Button,
  type ChatMessage,
  type ListItem,
  type Tone,
} from '../message.ts';
import { DISCORD_LIMITS } from './limits.ts';
import { toDiscordMarkdown } from './markdown.ts';

export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  /** The full message as plain text, when the embed had to leave part of it out. */
  overflow?: string;
}

const TONE_COLOR: Record<Tone, number> = {
  neutral: 0x78909c,
  active: 0x1e88e5,
  good: 0x2e7d32,
  bad: 0xc62828,
  warning: 0xf9a825,
};

/** A diff or log in a plan line gets at most this much; the attachment has the rest. */
const DETAIL_ROOM = 900;

const BUTTON_STYLE: Record<NonNullable<Button['style']>, ButtonStyle.Primary | ButtonStyle.Danger> = {
  primary: ButtonStyle.Primary,
  danger: ButtonStyle.Danger,
};

/** A button's custom_id: Baton's prefix, the action and its value (the promotion id). */
export function buttonCustomId(button: Pick<Button, 'actionId' | 'value'>): string {
  return `baton:${button.actionId}:${button.value}`;
}

function itemLine(item: ListItem, withDetail: boolean): string {
  const line = `${TONE_MARK[item.tone]} ${toDiscordMarkdown(item.text)}`;
  if (!withDetail || !item.detail) return line;
  return `${line}\n\`\`\`\n${clip(item.detail, DETAIL_ROOM)}\n\`\`\``;
}

function componentsOf(buttons: readonly Button[]): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  const fitting = buttons.slice(0, DISCORD_LIMITS.actionRows * DISCORD_LIMITS.buttonsPerRow);
  for (let start = 0; start < fitting.length; start += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({
      type: ComponentType.ActionRow,
      components: fitting.slice(start, start + DISCORD_LIMITS.buttonsPerRow).map((button) => ({
        type: ComponentType.Button,
        custom_id: clip(buttonCustomId(button), DISCORD_LIMITS.customId),
        label: clip(button.label, DISCORD_LIMITS.buttonLabel),
        style: button.style ? BUTTON_STYLE[button.style] : ButtonStyle.Secondary,
      })),
    });
  }
  return rows;
}

interface Parts {
  texts: string[];
  title?: string;
  fields: { name: string; value: string; inline: true }[];
  /** The embed's description, in order: list lines and code. */
  lines: { text: string; item?: ListItem }[];
  footer: string[];
  buttons: Button[];
}

function partsOf(blocks: readonly Block[]): Parts {
  const parts: Parts = { texts: [], fields: [], lines: [], footer: [], buttons: [] };
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        parts.title = block.text;
        break;
      case 'text':
        parts.texts.push(toDiscordMarkdown(block.text));
        break;
      case 'fields':
        parts.fields.push(
          ...block.fields.map((f) => ({
            name: clip(f.label, DISCORD_LIMITS.fieldName),
            value: clip(toDiscordMarkdown(f.value) || '—', DISCORD_LIMITS.fieldValue),
            inline: true as const,
          })),
        );
        break;
      case 'list':
        if (block.title) parts.lines.push({ text: `**${toDiscordMarkdown(block.title)}**` });
        parts.lines.push(...block.items.map((item) => ({ text: itemLine(item, true), item })));
        break;
      case 'code':
        parts.lines.push({ text: `\`\`\`\n${block.text}\n\`\`\`` });
        break;
      case 'context':
        parts.footer.push(block.text);
        break;
      case 'actions':
        parts.buttons.push(...block.buttons);
        break;
    }
  }
  return parts;
}

function embedOf(parts: Parts, tone: Tone, lines: readonly string[], note?: string): APIEmbed | undefined {
  const description = [...lines, ...(note ? [`-# ${note}`] : [])].join('\n');
  const footer = parts.footer.join(' · ');
  if (!parts.title && parts.fields.length === 0 && !description && !footer) return undefined;
  return {
    color: TONE_COLOR[tone],
    ...(parts.title ? { title: clip(parts.title, DISCORD_LIMITS.embedTitle) } : {}),
    ...(description ? { description } : {}),
    ...(parts.fields.length > 0 ? { fields: parts.fields.slice(0, DISCORD_LIMITS.embedFields) } : {}),
    ...(footer ? { footer: { text: clip(footer, DISCORD_LIMITS.footerText) } } : {}),
  };
}

function embedSize(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

function fits(embed: APIEmbed | undefined): boolean {
  return (
    !embed ||
    ((embed.description?.length ?? 0) <= DISCORD_LIMITS.embedDescription &&
      embedSize(embed) <= DISCORD_LIMITS.embedTotal)
  );
}

export function renderDiscordMessage(
  message: ChatMessage,
  options: { fullTextAttached?: boolean } = {},
): DiscordMessage {
  const parts = partsOf(message.blocks);
  const joined = parts.texts.join('\n');
  const content = clip(joined, DISCORD_LIMITS.content);
  const components = componentsOf(parts.buttons);
  const full = embedOf(
    parts,
    message.tone,
    parts.lines.map((l) => l.text),
  );
  const cutFields = parts.fields.length > DISCORD_LIMITS.embedFields;
  if (fits(full) && content === joined && !cutFields) return { content, embeds: full ? [full] : [], components };

  // Too large: details go first (the attachment carries them), then list lines from the end.
  const where = options.fullTextAttached === false ? '' : '; the full text is attached in the thread';
  const brief = parts.lines.filter((l) => l.item).map((l) => itemLine(l.item as ListItem, false));
  const note = (shown: number) => (brief.length > 0 ? `Showing ${shown} of ${brief.length} lines${where}.` : undefined);
  let shown = brief.length;
  let embed = embedOf(parts, message.tone, brief, note(shown));
  while (!fits(embed) && shown > 0) {
    shown = Math.floor(shown * 0.9);
    embed = embedOf(parts, message.tone, brief.slice(0, shown), note(shown));
  }
  return { content, embeds: embed ? [embed] : [], components, overflow: messagePlainText(message) };
}
