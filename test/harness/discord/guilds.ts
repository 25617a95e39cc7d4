/**
 * Who and what the stand-in knows: the bot (its user and application), the
 * guilds it is in, their channels and threads, roles and members, as Discord's
 * API objects (https://discord.com/developers/docs/resources/guild,
 * …/resources/channel, …/resources/user, …/topics/permissions#role-object).
 */

export interface RoleSpec {
  id: string;
  name: string;
  /** Permission bits, as Discord sends them (a decimal string). Default none. */
  permissions?: string;
  position?: number;
}

export interface MemberSpec {
  /** The user's id (a snowflake). */
  id: string;
  username: string;
  globalName?: string;
  /** Role ids, besides @everyone. */
  roles?: string[];
  nick?: string;
}

export interface ChannelSpec {
  id: string;
  name: string;
}

export interface GuildSpec {
  id: string;
  name?: string;
  channels?: ChannelSpec[];
  roles?: RoleSpec[];
  members?: MemberSpec[];
  /** @everyone's permissions; default view, send, read history, use application commands. */
  everyonePermissions?: string;
}

export interface GuildOptions {
  /** The bot token (without `Bot `); default `baton-test-token`. */
  token?: string;
  applicationId?: string;
  botUsername?: string;
  /** Default: one guild with a `deploys` channel and members alice and bob. */
  guilds?: GuildSpec[];
}

type Json = Record<string, unknown>;

export const DEFAULT_APPLICATION_ID = '1300000000000000001';
export const DEFAULT_GUILD_ID = '1300000000000000100';
export const DEFAULT_CHANNEL_ID = '1300000000000000200';
export const DEFAULT_MEMBERS: MemberSpec[] = [
  { id: '1300000000000001001', username: 'alice' },
  { id: '1300000000000001002', username: 'bob' },
];
/** VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS. */
const EVERYONE_PERMISSIONS = String((1n << 10n) | (1n << 11n) | (1n << 16n) | (1n << 31n));
/** What the bot may do where it is: send, embed, attach, threads, read history, view. */
export const BOT_PERMISSIONS = String(
  (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 35n) | (1n << 38n),
);

export const CHANNEL_TYPE = { guildText: 0, publicThread: 11 } as const;

export interface StoredChannel {
  id: string;
  guildId: string;
  name: string;
  type: number;
  /** Threads: the channel they hang off. */
  parentId?: string;
  ownerId?: string;
  autoArchiveDuration?: number;
  createdAt: number;
  lastMessageId?: string;
  messageCount: number;
}

interface StoredGuild {
  id: string;
  name: string;
  joinedAt: number;
  roles: Map<string, Required<RoleSpec>>;
  members: Map<string, MemberSpec & { joinedAt: number }>;
}

export function apiUser(user: { id: string; username: string; globalName?: string | undefined }, bot = false): Json {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.globalName ?? null,
    avatar: null,
    ...(bot ? { bot: true } : {}),
    system: false,
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class GuildDirectory {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: { id: string; username: string };
  private readonly guilds = new Map<string, StoredGuild>();
  readonly channels = new Map<string, StoredChannel>();

  constructor(
    options: GuildOptions,
    private readonly clock: () => number,
  ) {
    this.token = options.token ?? 'baton-test-token';
    this.applicationId = options.applicationId ?? DEFAULT_APPLICATION_ID;
    // Apps made since 2019 have a bot user whose id is the application's.
    this.botUser = { id: this.applicationId, username: options.botUsername ?? 'Baton' };
    const guilds = options.guilds ?? [
      { id: DEFAULT_GUILD_ID, channels: [{ id: DEFAULT_CHANNEL_ID, name: 'deploys' }], members: DEFAULT_MEMBERS },
    ];
    for (const spec of guilds) this.addGuild(spec);
  }

  private addGuild(spec: GuildSpec): void {
    const now = this.clock();
    const guild: StoredGuild = {
      id: spec.id,
      name: spec.name ?? 'Baton Test',
      joinedAt: now,
      roles: new Map(),
      members: new Map(),
    };
    guild.roles.set(spec.id, {
      id: spec.id,
      name: '@everyone',
      permissions: spec.everyonePermissions ?? EVERYONE_PERMISSIONS,
      position: 0,
    });
    this.guilds.set(spec.id, guild);
    for (const role of spec.roles ?? []) this.setRole(spec.id, role);
    for (const member of spec.members ?? []) this.setMember(spec.id, member);
    for (const channel of spec.channels ?? []) {
      this.channels.set(channel.id, {
        id: channel.id,
        guildId: spec.id,
        name: channel.name,
        type: CHANNEL_TYPE.guildText,
        createdAt: now,
        messageCount: 0,
      });
    }
  }

  guildIds(): string[] {
    return [...this.guilds.keys()];
  }

  hasGuild(guildId: string): boolean {
    return this.guilds.has(guildId);
  }

  private guild(guildId: string): StoredGuild {
    const guild = this.guilds.get(guildId);
    if (!guild) throw new Error(`The Discord stand-in has no guild ${guildId}`);
    return guild;
  }

  setRole(guildId: string, role: RoleSpec): void {
    const guild = this.guild(guildId);
    guild.roles.set(role.id, { permissions: '0', position: guild.roles.size, ...role });
  }

  setMember(guildId: string, member: MemberSpec): void {
    this.guild(guildId).members.set(member.id, { ...member, joinedAt: this.clock() });
  }

  membersOf(guildId: string): (MemberSpec & { joinedAt: number })[] {
    return [...this.guild(guildId).members.values()];
  }

  /** A member by id or username. */
  findMember(guildId: string, user: string): (MemberSpec & { joinedAt: number }) | undefined {
    const guild = this.guild(guildId);
    return guild.members.get(user) ?? [...guild.members.values()].find((member) => member.username === user);
  }

  /** @everyone's bits or'd with the member's roles', as a decimal string. */
  memberPermissions(guildId: string, member: MemberSpec): string {
    const guild = this.guild(guildId);
    let bits = BigInt(guild.roles.get(guildId)?.permissions ?? '0');
    for (const roleId of member.roles ?? []) bits |= BigInt(guild.roles.get(roleId)?.permissions ?? '0');
    return String(bits);
  }

  apiRoles(guildId: string): Json[] {
    return [...this.guild(guildId).roles.values()].map((role) => ({
      id: role.id,
      name: role.name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions,
      managed: false,
      mentionable: false,
      flags: 0,
    }));
  }

  apiMember(guildId: string, member: MemberSpec & { joinedAt: number }): Json {
    return {
      user: apiUser({ id: member.id, username: member.username, globalName: member.globalName }),
      nick: member.nick ?? null,
      avatar: null,
      banner: null,
      roles: member.roles ?? [],
      joined_at: iso(member.joinedAt),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
  }

  private botMember(guildId: string): Json {
    const guild = this.guild(guildId);
    return this.apiMember(guildId, {
      id: this.botUser.id,
      username: this.botUser.username,
      joinedAt: guild.joinedAt,
      roles: [],
    });
  }

  apiChannel(channel: StoredChannel): Json {
    const base = {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      last_message_id: channel.lastMessageId ?? null,
      rate_limit_per_user: 0,
      flags: 0,
    };
    if (channel.type !== CHANNEL_TYPE.publicThread) {
      return { ...base, position: 0, permission_overwrites: [], nsfw: false, topic: null, parent_id: null };
    }
    return {
      ...base,
      parent_id: channel.parentId,
      owner_id: channel.ownerId,
      message_count: channel.messageCount,
      total_message_sent: channel.messageCount,
      member_count: 1,
      thread_metadata: {
        archived: false,
        auto_archive_duration: channel.autoArchiveDuration ?? 4320,
        archive_timestamp: iso(channel.createdAt),
        locked: false,
        create_timestamp: iso(channel.createdAt),
      },
    };
  }

  /** The GUILD_CREATE payload: the whole guild, as the gateway sends it once READY is out. */
  apiGuildCreate(guildId: string): Json {
    const guild = this.guild(guildId);
    const channels = [...this.channels.values()].filter((channel) => channel.guildId === guildId);
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: [...guild.members.keys()][0] ?? this.botUser.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: this.apiRoles(guildId),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: iso(guild.joinedAt),
      large: false,
      unavailable: false,
      member_count: guild.members.size + 1,
      voice_states: [],
      members: [this.botMember(guildId)],
      channels: channels
        .filter((channel) => channel.type !== CHANNEL_TYPE.publicThread)
        .map((channel) => this.apiChannel(channel)),
      threads: channels
        .filter((channel) => channel.type === CHANNEL_TYPE.publicThread)
        .map((channel) => this.apiChannel(channel)),
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** `verifyKey`: the hex Ed25519 public key interactions over HTTP are signed with. */
  apiApplication(verifyKey: string): Json {
    return {
      id: this.applicationId,
      name: this.botUser.username,
      icon: null,
      description: '',
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: verifyKey,
      flags: 0,
      team: null,
      bot: apiUser(this.botUser, true),
      owner: apiUser({ id: DEFAULT_MEMBERS[0]?.id ?? '0', username: 'owner' }),
    };
  }
}
