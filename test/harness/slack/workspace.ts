/**
 * The workspace the stand-in pretends to be: which tokens are good, who the
 * bot is, which channels, users and user groups exist. Left unconfigured,
 * any well-formed channel id (C…, G…, D…) or user id (U…, W…) exists, so a
 * test only spells out what it wants to be refused.
 */

export interface ChannelSpec {
  id: string;
  name?: string;
  /** Whether the bot is in the channel; posting elsewhere answers `not_in_channel`. Default true. */
  member?: boolean;
  archived?: boolean;
}

export interface UserSpec {
  id: string;
  name?: string;
  realName?: string;
  email?: string;
  tz?: string;
  isAdmin?: boolean;
  isBot?: boolean;
  deleted?: boolean;
}

export interface UsergroupSpec {
  /** The @-handle, e.g. `release-managers`. */
  handle?: string;
  name?: string;
  users: string[];
}

export interface WorkspaceOptions {
  /** Bot tokens accepted; default `['xoxb-test']`. */
  tokens?: string[];
  /** App-level tokens accepted (Socket Mode's apps.connections.open); default `['xapp-test']`. */
  appTokens?: string[];
  botUserId?: string;
  botId?: string;
  appId?: string;
  teamId?: string;
  teamDomain?: string;
  /** Known channels; when left out, any C…/G…/D… id is known. */
  channels?: Array<string | ChannelSpec>;
  /** Known users; when left out, any U…/W… id is known. */
  users?: Array<string | UserSpec>;
  /** User groups by id (S…): members, or members with a handle. */
  usergroups?: Record<string, string[] | UsergroupSpec>;
}

export interface UsergroupRecord {
  id: string;
  handle: string;
  name: string;
  users: string[];
}

export type ChannelLookup =
  { ok: true; id: string } | { ok: false; error: 'channel_not_found' | 'not_in_channel' | 'is_archived' };

const CHANNEL_ID = /^[CGD][A-Z0-9]+$/;
const USER_ID = /^[UW][A-Z0-9]+$/;

export class Workspace {
  readonly tokens: Set<string>;
  readonly appTokens: Set<string>;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly teamId: string;
  readonly teamDomain: string;
  private readonly channels: Map<string, ChannelSpec> | undefined;
  private readonly users: Map<string, UserSpec> | undefined;
  private readonly usergroups = new Map<string, UsergroupRecord>();

  constructor(options: WorkspaceOptions = {}) {
    this.tokens = new Set(options.tokens ?? ['xoxb-test']);
    this.appTokens = new Set(options.appTokens ?? ['xapp-test']);
    this.botUserId = options.botUserId ?? 'UBATON';
    this.botId = options.botId ?? 'BBATON';
    this.appId = options.appId ?? 'ABATON';
    this.teamId = options.teamId ?? 'TBATON';
    this.teamDomain = options.teamDomain ?? 'baton-test';
    this.channels = options.channels
      ? new Map(
          options.channels
            .map((spec) => (typeof spec === 'string' ? { id: spec } : spec))
            .map((spec) => [spec.id, spec]),
        )
      : undefined;
    this.users = options.users
      ? new Map(
          options.users.map((spec) => (typeof spec === 'string' ? { id: spec } : spec)).map((spec) => [spec.id, spec]),
        )
      : undefined;
    for (const [id, spec] of Object.entries(options.usergroups ?? {})) {
      this.setUsergroup(
        id,
        Array.isArray(spec) ? spec : spec.users,
        Array.isArray(spec) ? undefined : spec.handle,
        Array.isArray(spec) ? undefined : spec.name,
      );
    }
  }

  get url(): string {
    return `https://${this.teamDomain}.slack.com/`;
  }

  /** Where a message to `value` (an id, a name, `#name`, or a user id for the bot's DM) lands. */
  channelFor(value: string | undefined): ChannelLookup {
    if (value === undefined || value === '') return { ok: false, error: 'channel_not_found' };
    if (USER_ID.test(value) && this.user(value)) return { ok: true, id: `D${value.slice(1)}` };
    const spec = this.channelSpec(value);
    if (!spec) return { ok: false, error: 'channel_not_found' };
    if (spec.archived) return { ok: false, error: 'is_archived' };
    if (spec.member === false) return { ok: false, error: 'not_in_channel' };
    return { ok: true, id: spec.id };
  }

  /** The channel id for an id or name, without the posting checks; for inspection. */
  channelId(value: string): string {
    if (USER_ID.test(value)) return `D${value.slice(1)}`;
    return this.channelSpec(value)?.id ?? value;
  }

  user(id: string): UserSpec | undefined {
    if (id === this.botUserId) return { id, name: 'baton', realName: 'Baton', isBot: true };
    if (this.users) return this.users.get(id);
    const inGroup = [...this.usergroups.values()].some((group) => group.users.includes(id));
    return USER_ID.test(id) || inGroup ? { id } : undefined;
  }

  usergroup(id: string): UsergroupRecord | undefined {
    return this.usergroups.get(id);
  }

  allUsergroups(): UsergroupRecord[] {
    return [...this.usergroups.values()];
  }

  usergroupId(handle: string): string | undefined {
    const wanted = handle.replace(/^@/, '');
    return [...this.usergroups.values()].find((group) => group.handle === wanted)?.id;
  }

  setUsergroup(id: string, users: string[], handle?: string, name?: string): void {
    const previous = this.usergroups.get(id);
    const groupHandle = handle ?? previous?.handle ?? id.toLowerCase();
    this.usergroups.set(id, {
      id,
      handle: groupHandle,
      name: name ?? previous?.name ?? groupHandle,
      users: [...users],
    });
  }

  private channelSpec(value: string): ChannelSpec | undefined {
    const name = value.replace(/^#/, '');
    if (this.channels) {
      return (
        this.channels.get(value) ??
        [...this.channels.values()].find((spec) => spec.name !== undefined && spec.name === name)
      );
    }
    return CHANNEL_ID.test(value) ? { id: value } : undefined;
  }
}
