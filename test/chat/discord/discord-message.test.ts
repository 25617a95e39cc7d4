/** Baton's messages as Discord renders them, inside Discord's limits. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buttonCustomId, renderDiscordMessage } from '../../../src/chat/discord/discord-message.ts';
import { DISCORD_LIMITS } from '../../../src/chat/discord/limits.ts';
import { toDiscordMarkdown } from '../../../src/chat/discord/markdown.ts';
import { discordSettingsFrom } from '../../../src/chat/discord/settings.ts';
import { discordPublicKey, isSignedByDiscord } from '../../../src/chat/discord/signature.ts';
import { channelText, type ChatMessage } from '../../../src/chat/message.ts';

const APPROVER = '112233445566778899';

function plan(steps: number, detail = ''): ChatMessage {
  return {
    text: 'Promotion #12: api=1.4.2 → production',
    tone: 'active',
    blocks: [
      { type: 'header', text: 'Promotion #12: api=1.4.2 → production' },
      {
        type: 'fields',
        fields: [
          { label: 'Requested by', value: '998877665544332211' },
          { label: 'State', value: 'awaiting approval' },
        ],
      },
      {
        type: 'list',
        items: Array.from({ length: steps }, (_, i) => ({
          text: `step ${i + 1}: *api* 1.4.2`,
          tone: 'neutral' as const,
          ...(detail ? { detail } : {}),
        })),
      },
      { type: 'text', text: `Waiting for approval from ${APPROVER}.` },
      { type: 'context', text: 'planned in 2 s' },
      {
        type: 'actions',
        buttons: [
          { actionId: 'approve', label: 'Approve', value: '12', style: 'primary' },
          { actionId: 'reject', label: 'Reject', value: '12', style: 'danger', asksForReason: true },
        ],
      },
    ],
  };
}

function embedTotal(embed: {
  title?: string;
  description?: string;
  footer?: { text: string };
  fields?: { name: string; value: string }[];
}): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

describe('a plan on Discord', () => {
  it('is an embed with title, fields, steps and footer; the approvers are mentioned in the content, where a mention notifies', () => {
    const rendered = renderDiscordMessage(plan(2));
    expect(rendered.content).toBe(`Waiting for approval from <@${APPROVER}>.`);
    const [embed] = rendered.embeds;
    expect(embed?.title).toBe('Promotion #12: api=1.4.2 → production');
    expect(embed?.fields).toEqual([
      { name: 'Requested by', value: '<@998877665544332211>', inline: true },
      { name: 'State', value: 'awaiting approval', inline: true },
    ]);
    expect(embed?.description).toBe('▫️ step 1: **api** 1.4.2\n▫️ step 2: **api** 1.4.2');
    expect(embed?.footer).toEqual({ text: 'planned in 2 s' });
    expect(rendered.components[0]?.components.map((b) => ('custom_id' in b ? b.custom_id : ''))).toEqual([
      'baton:approve:12',
      'baton:reject:12',
    ]);
    expect(rendered.overflow).toBeUndefined();
  });

  it('summarizes a plan too large for one message and hands back the whole text to attach', () => {
    const rendered = renderDiscordMessage(plan(300, 'x'.repeat(500)));
    const [embed] = rendered.embeds;
    expect(embed?.description?.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
    expect(embedTotal(embed ?? {})).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
    expect(embed?.description).toMatch(/-# Showing \d+ of 300 lines; the full text is attached in the thread\.$/);
    expect(rendered.components).toHaveLength(1);
    expect(rendered.overflow).toContain('- step 300: *api* 1.4.2');
    expect(rendered.overflow).toContain(`    ${'x'.repeat(500)}`);
  });

  it('heads each wave with its name in bold, and keeps a plan of 300 waves inside the limits', () => {
    const waves = (count: number): ChatMessage => ({
      ...plan(0),
      blocks: Array.from({ length: count }, (_, i) => ({
        type: 'list' as const,
        title: `Wave ${i + 1}`,
        items: [{ text: `*api-${i}* 1.4.2`, tone: 'neutral' as const }],
      })),
    });
    expect(renderDiscordMessage(waves(2)).embeds[0]?.description).toBe(
      '**Wave 1**\n▫️ **api-0** 1.4.2\n**Wave 2**\n▫️ **api-1** 1.4.2',
    );
    const large = renderDiscordMessage(waves(300));
    const [embed] = large.embeds;
    expect(embed?.description?.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
    expect(embedTotal(embed ?? {})).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
    expect(large.overflow).toContain('Wave 300');
  });

  it('keeps at most 25 fields, 5 rows of 5 buttons, and custom ids of at most 100 characters', () => {
    const many: ChatMessage = {
      text: 'many',
      tone: 'neutral',
      blocks: [
        { type: 'fields', fields: Array.from({ length: 30 }, (_, i) => ({ label: `f${i}`, value: 'v' })) },
        {
          type: 'actions',
          buttons: Array.from({ length: 30 }, (_, i) => ({
            actionId: 'approve' as const,
            label: `b${i}`,
            value: String(i),
          })),
        },
      ],
    };
    const rendered = renderDiscordMessage(many);
    expect(rendered.embeds[0]?.fields).toHaveLength(25);
    expect(rendered.components).toHaveLength(5);
    expect(rendered.components.every((row) => row.components.length <= 5)).toBe(true);
    expect(rendered.overflow).toContain('f29: v');
    expect(buttonCustomId({ actionId: 'rollback', value: '123' })).toBe('baton:rollback:123');
  });

  it('sends a message of text only as content, cut to 2,000 characters', () => {
    const rendered = renderDiscordMessage({
      text: 'x',
      tone: 'neutral',
      blocks: [{ type: 'text', text: 'y'.repeat(2500) }],
    });
    expect(rendered.embeds).toEqual([]);
    expect(rendered.content).toHaveLength(DISCORD_LIMITS.content);
  });
});

describe('text from people on Discord', () => {
  it("brings in no link, heading, quote or subtext, and Baton's *bold* is Discord's **bold**", () => {
    expect(toDiscordMarkdown('[Approve here](https://evil.example)\n# BIG\n> quoted\n-# tiny *done*')).toBe(
      '\\[Approve here\\](https://evil.example)\n\\# BIG\n\\> quoted\n\\-# tiny **done**',
    );
  });
});

describe('ids in text on Discord', () => {
  it('shows a person as a mention and a channel Baton names as a link to it, never as a person', () => {
    const text = `1300000000000000101 cannot post to ${channelText('1300000000000000200')}`;
    expect(toDiscordMarkdown(text)).toBe('<@1300000000000000101> cannot post to <#1300000000000000200>');
    expect(toDiscordMarkdown('see https://ci.example/run#12345678901234567890')).toBe(
      'see https://ci.example/run#12345678901234567890',
    );
  });
});

describe('Discord settings', () => {
  it('are off without DISCORD_TOKEN, gateway with it, HTTP interactions with the public key', () => {
    expect(discordSettingsFrom({})).toBeUndefined();
    expect(discordSettingsFrom({ DISCORD_TOKEN: 't' })).toEqual({
      botToken: 't',
      connection: { mode: 'gateway' },
      apiUrl: 'https://discord.com/api',
    });
    const key = 'ab'.repeat(32);
    expect(
      discordSettingsFrom({
        DISCORD_TOKEN: 't',
        DISCORD_PUBLIC_KEY: key,
        DISCORD_API_URL: 'http://127.0.0.1:9/api/',
        DISCORD_GUILD_ID: '123456789012345678',
      }),
    ).toEqual({
      botToken: 't',
      connection: { mode: 'http', publicKey: key },
      apiUrl: 'http://127.0.0.1:9/api',
      guildId: '123456789012345678',
    });
  });

  it('say what is wrong with a bad value', () => {
    expect(() => discordSettingsFrom({ DISCORD_PUBLIC_KEY: 'ab'.repeat(32) })).toThrow(
      /DISCORD_PUBLIC_KEY is set but DISCORD_TOKEN is not/,
    );
    expect(() => discordSettingsFrom({ DISCORD_TOKEN: 't', DISCORD_PUBLIC_KEY: 'nothex' })).toThrow(
      /64 hex characters/,
    );
    expect(() => discordSettingsFrom({ DISCORD_TOKEN: 't', DISCORD_GUILD_ID: 'acme' })).toThrow(
      /DISCORD_GUILD_ID must be a server id/,
    );
  });
});

describe('Discord request signatures', () => {
  it('holds for the body and timestamp signed with the application key, and for nothing else', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const hex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    const key = discordPublicKey(hex);
    const body = Buffer.from('{"type":1}');
    const signature = sign(null, Buffer.concat([Buffer.from('1700000000'), body]), privateKey).toString('hex');
    expect(isSignedByDiscord(key, signature, '1700000000', body)).toBe(true);
    expect(isSignedByDiscord(key, signature, '1700000001', body)).toBe(false);
    expect(isSignedByDiscord(key, signature, '1700000000', Buffer.from('{"type":2}'))).toBe(false);
    expect(isSignedByDiscord(key, undefined, '1700000000', body)).toBe(false);
  });
});
