/**
 * Renders Baton's platform-neutral messages as Block Kit, inside Slack's
 * limits. A message too large for one Slack message (a 300-step plan) keeps
 * its header, policy and buttons and summarizes the rest; the whole text comes
 * back as `overflow` for the caller to attach in the thread.
 */
import type { Button as SlackButton, KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import {
  clip,
  messagePlainText,
  TONE_MARK,
  type Block,
  type Button,
  type ChatMessage,
  type ListItem,
} from '../message.ts';
import { SLACK_LIMITS } from './limits.ts';
import { toMrkdwn } from './mrkdwn.ts';

export type SlackBlock = KnownBlock;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  /** The full message as plain text, when the blocks had to leave part of it out. */
  overflow?: string;
}

const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });

/** Clips text to a limit, noting that something was left out so the whole text can be attached. */
type Cut = (text: string, max: number) => string;

function cutter(): { cut: Cut; cutAny: () => boolean } {
  let cutAny = false;
  return {
    cut: (text, max) => {
      if (text.length > max) cutAny = true;
      return clip(text, max);
    },
    cutAny: () => cutAny,
  };
}

function section(text: string, cut: Cut): SectionBlock {
  return { type: 'section', text: mrkdwn(cut(text, SLACK_LIMITS.sectionText)) };
}

function codeFence(text: string, max: number, cut: Cut): string {
  const fence = '```';
  return `${fence}${cut(text, max - fence.length * 2)}${fence}`;
}

/** A diff or log in a plan line gets at most this much; the attachment has the rest. */
const DETAIL_ROOM = 1500;

function itemText(item: ListItem, cut: Cut): string {
  const line = `${TONE_MARK[item.tone]} ${toMrkdwn(item.text)}`;
  return item.detail ? `${line}\n${codeFence(item.detail, DETAIL_ROOM, cut)}` : line;
}

/** Packs list lines into as few sections as the text limit allows; a title is the first line, in bold. */
function listSections(items: ListItem[], cut: Cut, title?: string): SlackBlock[] {
  const sections: string[] = [];
  let current = title ? `*${toMrkdwn(title)}*` : '';
  for (const item of items) {
    const text = itemText(item, cut);
    const joined = current ? `${current}\n${text}` : text;
    if (joined.length <= SLACK_LIMITS.sectionText) {
      current = joined;
      continue;
    }
    if (current) sections.push(current);
    current = text;
  }
  if (current) sections.push(current);
  return sections.map((text) => section(text, cut));
}

function fieldSections(fields: { label: string; value: string }[], cut: Cut): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  for (let start = 0; start < fields.length; start += SLACK_LIMITS.fieldsPerSection) {
    blocks.push({
      type: 'section',
      fields: fields
        .slice(start, start + SLACK_LIMITS.fieldsPerSection)
        .map((f) => mrkdwn(cut(`*${toMrkdwn(f.label)}*\n${toMrkdwn(f.value)}`, SLACK_LIMITS.fieldText))),
    });
  }
  return blocks;
}

function buttonElement(button: Button): SlackButton {
  return {
    type: 'button',
    action_id: button.actionId,
    text: { type: 'plain_text', text: clip(button.label, SLACK_LIMITS.buttonText) },
    value: clip(button.value, SLACK_LIMITS.buttonValue),
    ...(button.style ? { style: button.style } : {}),
  };
}

function renderBlock(block: Block, cut: Cut): SlackBlock[] {
  switch (block.type) {
    case 'header':
      return [{ type: 'header', text: { type: 'plain_text', text: cut(block.text, SLACK_LIMITS.headerText) } }];
    case 'text':
      return [section(toMrkdwn(block.text), cut)];
    case 'fields':
      return fieldSections(block.fields, cut);
    case 'list':
      return listSections(block.items, cut, block.title);
    case 'code':
      return [section(codeFence(block.text, SLACK_LIMITS.sectionText, cut), cut)];
    case 'context':
      return [{ type: 'context', elements: [mrkdwn(cut(toMrkdwn(block.text), SLACK_LIMITS.contextText))] }];
    case 'actions':
      return [{ type: 'actions', elements: block.buttons.map(buttonElement) }];
  }
}

/** Keeps every block but the lists, and as many list lines as fit, saying how many were left out. */
function summarized(message: ChatMessage, cut: Cut, fullTextAttached: boolean): SlackBlock[] {
  const render = (blocks: Block[]) => blocks.flatMap((b) => renderBlock(b, cut));
  const where = fullTextAttached ? '; the full text is attached in the thread' : '';
  const firstList = message.blocks.findIndex((b) => b.type === 'list');
  if (firstList < 0) {
    // Nothing to shorten line by line (many records in one reply): the first blocks, and a note.
    const rendered = render(message.blocks);
    const shown = rendered.slice(0, SLACK_LIMITS.blocksPerMessage - 1);
    return [
      ...shown,
      { type: 'context', elements: [mrkdwn(`Showing ${shown.length} of ${rendered.length} parts${where}.`)] },
    ];
  }
  const before = render(message.blocks.slice(0, firstList));
  const after = render(message.blocks.slice(firstList + 1).filter((b) => b.type !== 'list'));
  const room = SLACK_LIMITS.blocksPerMessage - before.length - after.length - 1;
  const items = message.blocks.flatMap((b) => (b.type === 'list' ? b.items : []));
  // Details (diffs) take the most room; the attachment carries them.
  const lines = items.map(({ detail: _detail, ...item }) => item);
  let shown = lines.length;
  let listBlocks = listSections(lines, cut);
  while (listBlocks.length > room && shown > 0) {
    shown = Math.floor(shown * 0.9);
    listBlocks = listSections(lines.slice(0, shown), cut);
  }
  const note: SlackBlock = {
    type: 'context',
    elements: [mrkdwn(`Showing ${shown} of ${items.length} lines${where}.`)],
  };
  return [...before, ...listBlocks, note, ...after];
}

export interface RenderOptions {
  /** Whether the caller attaches `overflow` where people will see it (a file in the thread). */
  fullTextAttached?: boolean;
}

export function renderBlockKit(message: ChatMessage, options: RenderOptions = {}): SlackMessage {
  const { cut, cutAny } = cutter();
  const text = clip(message.text, SLACK_LIMITS.fallbackText);
  const blocks = message.blocks.flatMap((b) => renderBlock(b, cut));
  if (blocks.length <= SLACK_LIMITS.blocksPerMessage && !cutAny()) return { text, blocks };
  const fitted =
    blocks.length <= SLACK_LIMITS.blocksPerMessage
      ? blocks
      : summarized(message, cut, options.fullTextAttached ?? true);
  return { text, blocks: fitted, overflow: messagePlainText(message) };
}
