/**
 * Baton on Discord, in-process, against the Discord stand-in: the real
 * discord.js client connects to the stand-in's gateway (or the stand-in
 * signs interactions and sends them to Baton over HTTP); what Baton posts
 * lands in the stand-in, where tests read the channel and threads.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBaton, type RunningBaton } from '../../src/app.ts';
import { registerDiscordCommands } from '../../src/chat/discord/register.ts';
import { UNPACED, type ChatPace } from '../../src/chat/pace.ts';
import { DISCORD_INTERACTIONS_PATH } from '../../src/chat/discord/settings.ts';
import {
  DEFAULT_MEMBERS,
  startDiscordStandIn,
  type DiscordStandIn,
  type DiscordStandInOptions,
  type StoredMessage,
} from '../harness/discord/discord-stand-in.ts';
import { silentLogger } from './silent-logger.ts';

export const ALICE = DEFAULT_MEMBERS[0]?.id ?? '';
export const BOB = DEFAULT_MEMBERS[1]?.id ?? '';

export interface DiscordScene {
  baton: RunningBaton;
  discord: DiscordStandIn;
  /** The promotion's plan message in the channel, once posted and once `until` holds for it. */
  planMessage(promotionId: string, until?: (message: StoredMessage) => boolean): Promise<StoredMessage>;
  /** Every message of the promotion's thread, as text (content and embeds). */
  threadLines(plan: StoredMessage): string[];
  stop(): Promise<void>;
}

export function messageText(message: StoredMessage): string {
  const embeds = message.embeds.map((embed) => JSON.stringify(embed));
  return [message.content, ...embeds].join('\n');
}

export async function startDiscordScene(
  configYaml: (channelId: string) => string,
  options: { standIn?: DiscordStandInOptions; over?: 'gateway' | 'http'; pace?: ChatPace; outboxSweepMs?: number } = {},
): Promise<DiscordScene> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-discord-'));
  const configPath = join(dataDir, 'baton.yaml');
  const discord = await startDiscordStandIn({ rateLimits: null, heartbeatIntervalMs: 1_000, ...options.standIn });
  await writeFile(configPath, configYaml(discord.channelId));
  const settings = { botToken: discord.token, apiUrl: discord.url, guildId: discord.guildId };
  await registerDiscordCommands(settings, discord.guildId);
  const baton = await startBaton({
    configPath,
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    retryDelayMs: 10,
    discord: {
      ...settings,
      connection: options.over === 'http' ? { mode: 'http', publicKey: discord.publicKey } : { mode: 'gateway' },
      pace: options.pace ?? UNPACED,
    },
    ...(options.outboxSweepMs ? { outboxSweepMs: options.outboxSweepMs } : {}),
  });
  if (options.over === 'http') discord.setInteractionsEndpoint(`${baton.url}${DISCORD_INTERACTIONS_PATH}`);

  return {
    baton,
    discord,
    planMessage: (promotionId, until = () => true) =>
      discord.waitFor(
        () =>
          discord
            .messages(discord.channelId)
            .find((m) => messageText(m).includes(`Promotion #${promotionId}:`) && until(m)),
        15_000,
      ),
    threadLines: (plan) => discord.messages(plan.id).map(messageText),
    async stop() {
      await baton.close();
      await discord.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
