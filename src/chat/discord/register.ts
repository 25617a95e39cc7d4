/**
 * `baton discord register`: puts /promote in Discord by bulk overwrite, for
 * one server (at once) or everywhere the application is installed (which
 * Discord may take up to an hour to show). Running it again changes nothing.
 */
import {
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  DiscordAPIError,
  InteractionContextType,
  Routes,
  type APIApplication,
  type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';
import { discordRest } from './discord-platform.ts';
import { PROMOTE_COMMAND, PROMOTE_OPTION } from './discord-interactions.ts';
import type { DiscordSettings } from './settings.ts';

export const PROMOTE_COMMANDS: RESTPutAPIApplicationCommandsJSONBody = [
  {
    name: PROMOTE_COMMAND,
    description: 'Promote a release, or ask Baton: "api=1.4.2 to staging", "status", "help"…',
    // On servers only (not in direct messages, not as a user-installed app): Baton's permissions are a server's.
    contexts: [InteractionContextType.Guild],
    integration_types: [ApplicationIntegrationType.GuildInstall],
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: PROMOTE_OPTION,
        description: 'What you would type after /promote in Slack: "<release> to <env>", "rollback 12", "help"',
        required: true,
        autocomplete: true,
      },
    ],
  },
];

export async function registerDiscordCommands(
  settings: Pick<DiscordSettings, 'apiUrl' | 'botToken'>,
  guildId: string | undefined,
): Promise<string> {
  const rest = discordRest(settings);
  try {
    const application = (await rest.get(Routes.currentApplication())) as APIApplication;
    const route = guildId
      ? Routes.applicationGuildCommands(application.id, guildId)
      : Routes.applicationCommands(application.id);
    await rest.put(route, { body: PROMOTE_COMMANDS });
    return guildId
      ? `Registered /promote for ${application.name} on server ${guildId}; it is usable there now.`
      : `Registered /promote for ${application.name} on every server it is installed in; Discord may take up to an hour to show it.`;
  } catch (error) {
    const reason =
      error instanceof Error && error.cause instanceof Error
        ? `${error.message}: ${error.cause.message}`
        : errorMessage(error);
    throw new BatonError(
      ErrorCode.ConfigInvalid,
      error instanceof DiscordAPIError
        ? `Discord refused to register /promote (${reason}). Check DISCORD_TOKEN (the application's "Bot" page)${guildId ? ` and that the bot is in server ${guildId}` : ''}.`
        : `Could not reach Discord at ${settings.apiUrl} (${reason}). Check DISCORD_API_URL and that this machine can reach it.`,
      { cause: error },
    );
  }
}
