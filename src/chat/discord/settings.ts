/**
 * Discord settings from the environment. The bot token posts and, over the
 * gateway, receives; with the application's public key set, interactions
 * arrive over HTTP instead (any replica answers). DISCORD_API_URL points the
 * client at a proxy; the gateway address is whatever GET /gateway/bot says.
 */
import type { ChatPace } from '../pace.ts';
import { BatonError, ErrorCode } from '../../errors.ts';

/** Where Discord sends interactions over HTTP (the Interactions Endpoint URL in the developer portal). */
export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';

export const DEFAULT_DISCORD_API_URL = 'https://discord.com/api';

export type DiscordConnection = { mode: 'gateway' } | { mode: 'http'; publicKey: string };

export interface DiscordSettings {
  botToken: string;
  connection: DiscordConnection;
  /** The REST base, without the version: `https://discord.com/api`. */
  apiUrl: string;
  /** The server whose roles `{ role: … }` groups name, and whose channels `#name` means. */
  guildId?: string;
  /** Gateway mode: how long the gateway lease lasts unrenewed (BATON_DISCORD_LEASE_MS); the receiver's default when absent. */
  gatewayLeaseMs?: number;
  /** How fast Baton writes to Discord; the platform's own pace when absent. */
  pace?: ChatPace;
}

function invalid(message: string): BatonError {
  return new BatonError(ErrorCode.ConfigInvalid, message);
}

const SNOWFLAKE = /^\d{17,20}$/;

/** Undefined when Discord is not configured (no DISCORD_TOKEN). */
export function discordSettingsFrom(env: Readonly<Record<string, string | undefined>>): DiscordSettings | undefined {
  const botToken = env.DISCORD_TOKEN?.trim();
  const publicKey = env.DISCORD_PUBLIC_KEY?.trim();
  if (!botToken) {
    if (publicKey)
      throw invalid(
        'DISCORD_PUBLIC_KEY is set but DISCORD_TOKEN is not: Baton posts with the bot token. Copy it from the application\'s "Bot" page in the Discord developer portal.',
      );
    return undefined;
  }
  if (publicKey !== undefined && publicKey !== '' && !/^[0-9a-f]{64}$/i.test(publicKey)) {
    throw invalid(
      'DISCORD_PUBLIC_KEY must be the application\'s public key: 64 hex characters from the "General Information" page.',
    );
  }
  const guildId = env.DISCORD_GUILD_ID?.trim() || undefined;
  if (guildId !== undefined && !SNOWFLAKE.test(guildId)) {
    throw invalid(
      `DISCORD_GUILD_ID must be a server id (17 to 20 digits; Developer Mode → right-click the server → Copy Server ID), not "${guildId}".`,
    );
  }
  const apiUrl = (env.DISCORD_API_URL?.trim() || DEFAULT_DISCORD_API_URL).replace(/\/+$/, '');
  if (!URL.canParse(apiUrl))
    throw invalid(
      `DISCORD_API_URL is not a URL: "${env.DISCORD_API_URL}". Leave it unset for ${DEFAULT_DISCORD_API_URL}.`,
    );
  return {
    botToken,
    connection: publicKey ? { mode: 'http', publicKey: publicKey.toLowerCase() } : { mode: 'gateway' },
    apiUrl,
    ...(guildId ? { guildId } : {}),
  };
}
