/**
 * Discord roles as policy groups: `{ role: release-managers }` (a name or an
 * id) means the members of that role on the server DISCORD_GUILD_ID names,
 * looked up through the member list (which needs the Server Members intent)
 * and kept for a few minutes, so a role change applies without a restart.
 */
import { Routes, type APIGuildMember, type APIRole, type REST } from 'discord.js';
import type { LinkedGroup } from '../../core/model.ts';
import type { UserGroupDirectory } from '../../core/capabilities.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';

export const ROLE_CACHE_MS = 5 * 60_000;

/** The most members one request returns. */
const MEMBERS_PAGE = 1000;

const ROLE_ID = /^\d{17,20}$/;

interface Cached<T> {
  value: T;
  until: number;
}

export class DiscordRoles implements UserGroupDirectory {
  private members: Cached<APIGuildMember[]> | undefined;
  private roles: Cached<APIRole[]> | undefined;

  constructor(
    private readonly rest: REST,
    private readonly guildId: string | undefined,
    private readonly cacheMs = ROLE_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async membersOf(group: LinkedGroup): Promise<string[]> {
    if (group.kind !== 'role') {
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `"${group.ref}" is a Slack user group, and Baton runs on Discord: give the group as { role: <name or id> } or as a list of user ids.`,
      );
    }
    if (!this.guildId) {
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `The group { role: ${group.ref} } needs DISCORD_GUILD_ID, the server whose roles Baton looks up.`,
      );
    }
    try {
      const roleId = await this.roleId(group.ref);
      return (await this.memberList())
        .filter((member) => member.roles.includes(roleId))
        .flatMap((member) => (member.user ? [member.user.id] : []));
    } catch (error) {
      if (error instanceof BatonError) throw error;
      throw new BatonError(
        ErrorCode.Conflict,
        `Could not look up the members of the Discord role "${group.ref}": ${errorMessage(error)}. Give the bot the Server Members intent (developer portal → Bot), or list the members in the config.`,
        { cause: error },
      );
    }
  }

  private async roleId(ref: string): Promise<string> {
    if (ROLE_ID.test(ref)) return ref;
    if (!this.roles || this.roles.until <= this.now()) {
      this.roles = {
        value: (await this.rest.get(Routes.guildRoles(this.guildId ?? ''))) as APIRole[],
        until: this.now() + this.cacheMs,
      };
    }
    const role = this.roles.value.find((r) => r.name === ref.replace(/^@/, ''));
    if (!role)
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `The Discord server has no role named "${ref}". Check groups: in the config against the server's roles (or give the role's id).`,
      );
    return role.id;
  }

  private async memberList(): Promise<APIGuildMember[]> {
    if (this.members && this.members.until > this.now()) return this.members.value;
    const all: APIGuildMember[] = [];
    for (let after = '0'; ;) {
      const query = new URLSearchParams({ limit: String(MEMBERS_PAGE), after });
      const page = (await this.rest.get(Routes.guildMembers(this.guildId ?? ''), { query })) as APIGuildMember[];
      all.push(...page);
      const last = page.at(-1)?.user?.id;
      if (page.length < MEMBERS_PAGE || !last) break;
      after = last;
    }
    this.members = { value: all, until: this.now() + this.cacheMs };
    return all;
  }
}
