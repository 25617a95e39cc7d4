/**
 * Policy groups linked to Slack user groups: members come from
 * `usergroups.users.list` (a handle is first turned into an id with
 * `usergroups.list`), kept for a few minutes so a burst of clicks costs one
 * call, and looked up again after that so a change in Slack applies.
 */
import { WebAPIPlatformError, type WebClient } from '@slack/web-api';
import type { LinkedGroup } from '../../core/model.ts';
import type { UserGroupDirectory } from '../../core/capabilities.ts';
import { BatonError, ErrorCode, errorMessage } from '../../errors.ts';

const USERGROUP_ID = /^S[A-Z0-9]{2,}$/;
export const USERGROUP_CACHE_MS = 5 * 60_000;

interface Cached<T> {
  value: T;
  until: number;
}

function lookupFailed(usergroup: string, error: unknown): BatonError {
  const code = error instanceof WebAPIPlatformError ? error.data.error : undefined;
  const why =
    code === 'no_such_subteam'
      ? 'Slack has no user group with that id'
      : code === 'missing_scope'
        ? 'the Slack app lacks the usergroups:read scope; add it (config/slack-app-manifest.yaml has it) and reinstall the app'
        : errorMessage(error);
  return new BatonError(
    ErrorCode.Conflict,
    `Could not look up the members of the Slack user group "${usergroup}": ${why}.`,
    { cause: error },
  );
}

export class SlackUserGroups implements UserGroupDirectory {
  private readonly members = new Map<string, Cached<string[]>>();
  private handles: Cached<Map<string, string>> | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly cacheMs = USERGROUP_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async membersOf(group: LinkedGroup): Promise<string[]> {
    if (group.kind !== 'usergroup') {
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `"${group.ref}" is a Discord role, and Baton runs on Slack: give the group as { usergroup: <handle> } or as a list of user ids.`,
      );
    }
    const usergroup = group.ref;
    const id = USERGROUP_ID.test(usergroup) ? usergroup : await this.idOf(usergroup);
    const cached = this.members.get(id);
    if (cached && cached.until > this.now()) return cached.value;
    try {
      const result = await this.client.usergroups.users.list({ usergroup: id });
      const users = result.users ?? [];
      this.members.set(id, { value: users, until: this.now() + this.cacheMs });
      return users;
    } catch (error) {
      throw lookupFailed(usergroup, error);
    }
  }

  private async idOf(handle: string): Promise<string> {
    const plain = handle.replace(/^@/, '');
    if (!this.handles || this.handles.until <= this.now()) {
      try {
        const result = await this.client.usergroups.list({ include_disabled: false });
        const ids = new Map(
          (result.usergroups ?? []).flatMap((group) =>
            group.handle && group.id ? [[group.handle, group.id] as const] : [],
          ),
        );
        this.handles = { value: ids, until: this.now() + this.cacheMs };
      } catch (error) {
        throw lookupFailed(handle, error);
      }
    }
    const id = this.handles.value.get(plain);
    if (!id) {
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `Slack has no user group with the handle "@${plain}". Check groups: in the config against Slack's user groups (or give the group's id, S…).`,
      );
    }
    return id;
  }
}
