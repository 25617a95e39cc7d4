/** Discord as Baton's chat platform: one REST client for posting and lookups, the gateway or HTTP for what comes in. */
import { DefaultRestOptions, REST, type RESTOptions } from 'discord.js';
import type { Logger } from '../../core/capabilities.ts';
import type { HttpServer } from '../../http/server.ts';
import type { ChatPlatform } from '../platform.ts';
import { DiscordChannels } from './channels.ts';
import { DiscordChat } from './discord-chat.ts';
import { DiscordReceiver, type GatewayLease } from './discord-receiver.ts';
import { DiscordRoles } from './roles.ts';
import type { DiscordSettings } from './settings.ts';
import type { ChatPace } from '../pace.ts';

/**
 * The REST client keeps to each route's bucket (X-RateLimit-*) and the global
 * limit itself, so posts and edits need no pacing of Baton's; a root message
 * is still edited at most every 5 s, its latest state only.
 */
const DISCORD_PACE: ChatPace = { rootEveryMs: 5_000 };

/** The REST client Baton and `baton discord register` use: rate limits are waited out per route bucket and globally. */
export function discordRest(settings: Pick<DiscordSettings, 'apiUrl' | 'botToken'>): REST {
  return new REST({ api: settings.apiUrl, makeRequest: sendRequest }).setToken(settings.botToken);
}

type MakeRequest = RESTOptions['makeRequest'];

/**
 * The REST client's own undici request, but Node's fetch for a multipart body
 * (an attached file), which that request cannot send under the undici 7 that
 * Node 20 needs here. Fetch costs more per call, so it carries files only.
 */
const sendRequest: MakeRequest = async (url, init) =>
  init.body instanceof FormData
    ? ((await fetch(url, init as RequestInit)) as unknown as Awaited<ReturnType<MakeRequest>>)
    : DefaultRestOptions.makeRequest(url, init);

export function createDiscordPlatform(
  settings: DiscordSettings,
  server: Pick<HttpServer, 'mount'>,
  logger: Logger,
  /** Completions for /promote as it is typed (the pipeline is loaded after the platform is made). */
  complete: (typed: string) => Promise<string[]>,
  lease: GatewayLease,
): ChatPlatform & { userGroups: DiscordRoles } {
  const rest = discordRest(settings);
  const chat = new DiscordChat(rest, new DiscordChannels(rest, settings.guildId), logger);
  return {
    out: chat,
    receiver: new DiscordReceiver({
      settings,
      server,
      logger,
      rest,
      chat,
      complete,
      lease,
      ...(settings.gatewayLeaseMs ? { leaseMs: settings.gatewayLeaseMs } : {}),
    }),
    pace: settings.pace ?? DISCORD_PACE,
    userGroups: new DiscordRoles(rest, settings.guildId),
  };
}
