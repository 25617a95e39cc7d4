/**
 * Who is who: auth.test (Bolt calls it at start to learn its bot user id),
 * users.info, and the user-group methods Baton reads approvers from.
 */
import { missingArgument, SlackApiError } from './api-error.ts';
import type { MethodResult } from './chat-methods.ts';
import { booleanArg, stringArg, type Args } from './request-body.ts';
import type { StandInState } from './state.ts';
import type { UsergroupRecord } from './workspace.ts';

export function authTest(state: StandInState): MethodResult {
  const { workspace } = state;
  return {
    url: workspace.url,
    team: 'Baton Test',
    user: 'baton',
    team_id: workspace.teamId,
    user_id: workspace.botUserId,
    bot_id: workspace.botId,
    is_enterprise_install: false,
  };
}

export function usersInfo(state: StandInState, args: Args): MethodResult {
  const id = stringArg(args, 'user');
  if (id === undefined) throw missingArgument('user');
  const user = state.workspace.user(id);
  if (!user) throw new SlackApiError('user_not_found');
  const name = user.name ?? id.toLowerCase();
  const realName = user.realName ?? name;
  return {
    user: {
      id,
      team_id: state.workspace.teamId,
      name,
      real_name: realName,
      deleted: user.deleted ?? false,
      is_bot: user.isBot ?? false,
      is_admin: user.isAdmin ?? false,
      tz: user.tz ?? 'Europe/Amsterdam',
      profile: { real_name: realName, display_name: name, ...(user.email === undefined ? {} : { email: user.email }) },
    },
  };
}

function usergroupJson(state: StandInState, group: UsergroupRecord, includeUsers: boolean): Record<string, unknown> {
  return {
    id: group.id,
    team_id: state.workspace.teamId,
    is_usergroup: true,
    name: group.name,
    handle: group.handle,
    user_count: group.users.length,
    ...(includeUsers ? { users: [...group.users] } : {}),
  };
}

export function usergroupsList(state: StandInState, args: Args): MethodResult {
  const includeUsers = booleanArg(args, 'include_users');
  return { usergroups: state.workspace.allUsergroups().map((group) => usergroupJson(state, group, includeUsers)) };
}

export function usergroupsUsersList(state: StandInState, args: Args): MethodResult {
  const id = stringArg(args, 'usergroup');
  if (id === undefined) throw missingArgument('usergroup');
  const group = state.workspace.usergroup(id);
  if (!group) throw new SlackApiError('no_such_subteam');
  return { users: [...group.users] };
}
