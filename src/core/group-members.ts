/**
 * The members of the groups a policy names: lists from the config as they
 * are, and groups linked to the chat platform's user groups looked up when a
 * decision needs them, so that a change in Slack applies without a restart.
 */
import { BatonError, ErrorCode } from '../errors.ts';
import type { CoreRuntime } from './runtime.ts';

const GROUP_PREFIX = '@';

/** Group name → user ids, for every group among `refs` (user ids and `@group` names). */
export async function groupMembers(runtime: CoreRuntime, refs: readonly string[]): Promise<Record<string, string[]>> {
  const { groups, linkedGroups } = runtime.pipeline;
  const members: Record<string, string[]> = { ...groups };
  const linked = refs
    .filter((ref) => ref.startsWith(GROUP_PREFIX))
    .map((ref) => ref.slice(GROUP_PREFIX.length))
    .filter((name) => Object.hasOwn(linkedGroups, name));
  await Promise.all(
    linked.map(async (name) => {
      const group = linkedGroups[name] ?? { kind: 'usergroup', ref: '' };
      if (!runtime.userGroups) {
        throw new BatonError(
          ErrorCode.ConfigInvalid,
          `@${name} is the ${group.kind === 'role' ? 'Discord role' : 'Slack user group'} "${group.ref}", which Baton can only look up when it runs on ${group.kind === 'role' ? 'Discord' : 'Slack'}. Run it there, or list the members under groups: ${name}: [...].`,
        );
      }
      members[name] = await runtime.userGroups.membersOf(group);
    }),
  );
  return members;
}
