import type { EnvironmentConfig, GroupsConfig } from './schema.ts';
import { valueIssue, type PathIssue } from './path-issue.ts';
import type { ConfigPath } from './positions.ts';

const GROUP_PREFIX = '@';

function unknownGroups(list: readonly string[], path: ConfigPath, groups: GroupsConfig): PathIssue[] {
  return list.flatMap((entry, index) =>
    entry.startsWith(GROUP_PREFIX) && !Object.hasOwn(groups, entry.slice(GROUP_PREFIX.length))
      ? [valueIssue([...path, index], `unknown group "${entry}": define it under groups:`)]
      : [],
  );
}

/** Everyone who may approve, or undefined when a chat user group is among them (its members are known only at run time). */
function possibleApprovers(from: readonly string[], groups: GroupsConfig): Set<string> | undefined {
  const people = new Set<string>();
  for (const entry of from) {
    if (!entry.startsWith(GROUP_PREFIX)) {
      people.add(entry);
      continue;
    }
    const members = groups[entry.slice(GROUP_PREFIX.length)];
    if (!Array.isArray(members)) return undefined;
    for (const member of members) people.add(member);
  }
  return people;
}

/**
 * Group references in every list of people, and whether enough
 * people may approve. `groups` is absent when `groups:` itself is invalid.
 */
export function checkPeople(
  config: EnvironmentConfig,
  path: ConfigPath,
  groups: GroupsConfig | undefined,
): PathIssue[] {
  if (groups === undefined) return [];
  const fromPath = [...path, 'approvals', 'from'];
  const issues = [
    ...unknownGroups(config.approvals.from, fromPath, groups),
    ...unknownGroups(config.requesters, [...path, 'requesters'], groups),
    ...(['rollback', 'freeze', 'override'] as const).flatMap((key) =>
      unknownGroups(config[key] ?? [], [...path, key], groups),
    ),
  ];
  const { required, from } = config.approvals;
  if (from.length > 0 && issues.length === 0) {
    const approvers = possibleApprovers(from, groups);
    if (approvers && required > approvers.size) {
      const names = [...approvers].join(', ') || 'nobody';
      issues.push(
        valueIssue(
          [...path, 'approvals', 'required'],
          `approvals.required is ${required}, but only ${approvers.size} people may approve (${names}): lower required or add people to approvals.from`,
        ),
      );
    }
  }
  return issues;
}
