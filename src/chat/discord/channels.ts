/**
 * Channels as the config names them: a channel id as it is, "#name" looked
 * up among the server's text channels (and remembered) so that a config can
 * say "#deploys" on Discord as on Slack.
 */
import { ChannelType, Routes, type APIChannel, type REST } from 'discord.js';
import { BatonError, ErrorCode } from '../../errors.ts';

const CHANNEL_ID = /^\d{17,20}$/;

export class DiscordChannels {
  private byName: Map<string, string> | undefined;

  constructor(
    private readonly rest: REST,
    private readonly guildId: string | undefined,
  ) {}

  async idOf(channel: string): Promise<string> {
    if (CHANNEL_ID.test(channel)) return channel;
    const name = channel.replace(/^#/, '');
    if (!this.guildId) {
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `Channel "${channel}" is a name: set DISCORD_GUILD_ID to the server it is on, or give the channel's id in the config.`,
      );
    }
    const id = (await this.names(false)).get(name) ?? (await this.names(true)).get(name);
    if (!id)
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `There is no text channel #${name} on the Discord server ${this.guildId}: create it, or fix the channel in the config.`,
      );
    return id;
  }

  /** A channel created after the last look is found by looking again. */
  private async names(fresh: boolean): Promise<Map<string, string>> {
    if (this.byName && !fresh) return this.byName;
    const channels = (await this.rest.get(Routes.guildChannels(this.guildId ?? ''))) as APIChannel[];
    this.byName = new Map(channels.filter((c) => c.type === ChannelType.GuildText).map((c) => [c.name ?? '', c.id]));
    return this.byName;
  }
}
