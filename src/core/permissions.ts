/**
 * Who may do what in an environment. Each action answers to one rule of the
 * environment's config; a refusal names the person, the rule and who may act
 * instead, so that whoever reads it knows whom to ask or what to change.
 */
import type { Environment, PeopleRule } from './model.ts';
import { describePeople, isAmong } from './people-words.ts';

export type Permission = 'request' | 'approve' | 'rollback' | 'freeze' | 'override';

export type PermissionVerdict = { allowed: true } | { allowed: false; message: string };

const WHAT: Record<Permission, (environment: string) => string> = {
  request: (env) => `request promotions to ${env}`,
  approve: (env) => `approve or reject promotions to ${env}`,
  rollback: (env) => `roll back promotions in ${env}`,
  freeze: (env) => `freeze or unfreeze ${env}`,
  override: (env) => `promote to ${env} past a freeze or outside its promotion windows`,
};

/** The config key of each rule, as a refusal names it. */
const KEY: Record<Permission, string> = {
  request: 'requesters',
  approve: 'approvals.from',
  rollback: 'rollback',
  freeze: 'freeze',
  override: 'override',
};

/** The defaults, in the README's words. */
const DEFAULT: Partial<Record<Permission, string>> = {
  rollback: 'by default its requesters and approvers',
  freeze: 'by default its approvers',
  override: 'by default nobody',
};

/** Requesters and approvers are lists in which nobody named means anyone; the newer rules say so explicitly. */
export function ruleOf(environment: Environment, permission: Permission): PeopleRule {
  if (permission === 'request') return listRule(environment.requesters);
  if (permission === 'approve') return listRule(environment.approvals.from);
  return environment[permission];
}

function listRule(people: readonly string[]): PeopleRule {
  return { people: people.length === 0 ? 'anyone' : people, origin: 'config' };
}

export function mayAct(
  environment: Environment,
  permission: Permission,
  user: string,
  groups: Readonly<Record<string, string[]>>,
): PermissionVerdict {
  const { people, origin } = ruleOf(environment, permission);
  if (people === 'anyone' || isAmong(user, people, groups)) return { allowed: true };
  const rule = `rule ${KEY[permission]} of ${environment.name}${origin === 'default' && DEFAULT[permission] ? `, ${DEFAULT[permission]}` : ''}`;
  if (people.length === 0) {
    return {
      allowed: false,
      message: `${user} can't ${WHAT[permission](environment.name)}: nobody may (${rule}). To allow it, list people or @groups under ${KEY[permission]} for ${environment.name} in the config.`,
    };
  }
  return {
    allowed: false,
    message: `${user} can't ${WHAT[permission](environment.name)}: only ${describePeople(people)} may (${rule}). Ask one of them.`,
  };
}

/** The `@group` names a rule needs looked up before `mayAct` can decide. */
export function refsOf(environment: Environment, permission: Permission): readonly string[] {
  const { people } = ruleOf(environment, permission);
  return people === 'anyone' ? [] : people;
}
