import type { EnvironmentConfig } from './schema.ts';
import { valueIssue, type PathIssue } from './path-issue.ts';
import type { ConfigPath } from './positions.ts';

const GROUP_PREFIX = '@';

function unknownGroups(list: readonly string[], path: ConfigPath, groups: Record<string, string[]>): PathIssue[] {
  return list.flatMap((entry, index) =>
    entry.startsWith(GROUP_PREFIX) && !Object.hasOwn(groups, entry.slice(GROUP_PREFIX.length))
      ? [valueIssue([...path, index], `unknown group "${entry}": define it under groups:`)]
      : [],
  );
}

function possibleApprovers(from: readonly string[], groups: Record<string, string[]>): Set<string> {
  return new Set(from.flatMap((entry) => (entry.startsWith(GROUP_PREFIX) ? (groups[entry.slice(GROUP_PREFIX.length)] ?? []) : [entry])));
}

/**
 * Group references in approvals.from and requesters, and whether enough
 * people may approve. `groups` is absent when `groups:` itself is invalid.
 */
export function checkPeople(config: EnvironmentConfig, path: ConfigPath, groups: Record<string, string[]> | undefined): PathIssue[] {
  if (groups === undefined) return [];
  const fromPath = [...path, 'approvals', 'from'];
  const issues = [
    ...unknownGroups(config.approvals.from, fromPath, groups),
    ...unknownGroups(config.requesters, [...path, 'requesters'], groups),
  ];
  const { required, from } = config.approvals;
  if (from.length > 0 && issues.length === 0) {
    const approvers = possibleApprovers(from, groups);
    if (required > approvers.size) {
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
