/**
 * Whether a release may enter an environment now, rule by rule, each with a
 * reason a person understands and what would satisfy it.
 */
import { formatDuration } from '../durations.ts';
import type { Environment, Freeze, Release } from './model.ts';
import { mayAct } from './permissions.ts';
import { isInsideAnyWindow, nextWindowOpening } from './window-clock.ts';
import { formatTime } from './time-text.ts';

export type PolicyRule = 'freeze' | 'requesters' | 'requires' | 'soak' | 'windows' | 'override';

export interface PolicyCheck {
  rule: PolicyRule;
  passed: boolean;
  message: string;
}

export interface PolicyFacts {
  environment: Environment;
  release: Release;
  requester: string;
  now: Date;
  freeze: Freeze | undefined;
  /** Group name → user ids, chat user groups already looked up. */
  groups: Readonly<Record<string, string[]>>;
  /** When `version` of `component` first succeeded in `environment` (ISO), if it did. */
  verifiedAt: (environment: string, component: string, version: string) => string | undefined;
}

function formatInstant(at: Date, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  return `${text} ${timeZone}`;
}

function checkFreeze({ environment, freeze }: PolicyFacts): PolicyCheck {
  if (!freeze) return { rule: 'freeze', passed: true, message: `${environment.name} is not frozen` };
  return {
    rule: 'freeze',
    passed: false,
    message: `${environment.name} is frozen by ${freeze.by} since ${formatTime(freeze.at)}${freeze.reason ? `: "${freeze.reason}"` : ''}. Lift it with /promote unfreeze ${environment.name}.`,
  };
}

function checkRequester({ environment, requester, groups }: PolicyFacts): PolicyCheck {
  const verdict = mayAct(environment, 'request', requester, groups);
  if (verdict.allowed)
    return { rule: 'requesters', passed: true, message: `${requester} may request promotions to ${environment.name}` };
  return { rule: 'requesters', passed: false, message: verdict.message };
}

function checkRequiresAndSoak(facts: PolicyFacts): PolicyCheck[] {
  const { environment, release, now, verifiedAt } = facts;
  if (environment.requires.length === 0) return [];
  const missing: string[] = [];
  const young: string[] = [];
  let soakEndsAt = 0;
  for (const required of environment.requires) {
    for (const [component, version] of Object.entries(release.versions)) {
      const since = verifiedAt(required, component, version);
      if (since === undefined) {
        missing.push(`${component} ${version} has not succeeded in ${required}`);
        continue;
      }
      const endsAt = Date.parse(since) + environment.soakMs;
      if (endsAt > now.getTime()) {
        young.push(
          `${component} ${version} has been in ${required} for ${formatDuration(now.getTime() - Date.parse(since))}`,
        );
        soakEndsAt = Math.max(soakEndsAt, endsAt);
      }
    }
  }
  const requiredNames = environment.requires.join(' and ');
  const checks: PolicyCheck[] = [
    missing.length === 0
      ? { rule: 'requires', passed: true, message: `these versions succeeded in ${requiredNames}` }
      : {
          rule: 'requires',
          passed: false,
          message: `${environment.name} requires the same versions to have succeeded in ${requiredNames} first: ${missing.join('; ')}. Promote the release to ${requiredNames} first.`,
        },
  ];
  if (environment.soakMs > 0) {
    checks.push(
      young.length === 0
        ? {
            rule: 'soak',
            passed: true,
            message: `soaked at least ${formatDuration(environment.soakMs)} in ${requiredNames}`,
          }
        : {
            rule: 'soak',
            passed: false,
            message: `${environment.name} needs ${formatDuration(environment.soakMs)} of soak in ${requiredNames}: ${young.join('; ')}. Try again after ${formatTime(soakEndsAt, 'up')}.`,
          },
    );
  }
  return checks;
}

/**
 * When an environment with promotion windows is outside all of them: what it
 * allows and, if one opens within a week, when the next opens, in words.
 */
export function closedWindows(
  environment: Environment,
  now: Date,
): { allowed: string; nextOpening?: string } | undefined {
  if (isInsideAnyWindow(environment.windows, now)) return undefined;
  const allowed = environment.windows.map((w) => w.text).join(', ');
  const next = nextWindowOpening(environment.windows, now);
  return next ? { allowed, nextOpening: formatInstant(next, environment.windows[0]?.timeZone ?? 'UTC') } : { allowed };
}

function checkWindows({ environment, now }: PolicyFacts): PolicyCheck[] {
  if (environment.windows.length === 0) return [];
  const closed = closedWindows(environment, now);
  if (!closed) {
    return [
      {
        rule: 'windows',
        passed: true,
        message: `inside the promotion window (${environment.windows.map((w) => w.text).join(', ')})`,
      },
    ];
  }
  return [
    {
      rule: 'windows',
      passed: false,
      message: `${environment.name} accepts promotions only ${closed.allowed}.${closed.nextOpening ? ` The next window opens ${closed.nextOpening}.` : ''}`,
    },
  ];
}

export function checkRequestPolicy(facts: PolicyFacts): PolicyCheck[] {
  return [checkFreeze(facts), checkRequester(facts), ...checkRequiresAndSoak(facts), ...checkWindows(facts)];
}

/** The rules an override may set aside: a freeze and closed promotion windows, never who may ask or what must come first. */
const OVERRIDABLE: readonly PolicyRule[] = ['freeze', 'windows'];

/**
 * The checks with the failed ones an override sets aside marked as passed,
 * saying who overrode them and why; `overridden` is empty when nothing needed it.
 */
export function applyOverride(
  checks: readonly PolicyCheck[],
  by: string,
  reason: string,
): { checks: PolicyCheck[]; overridden: PolicyRule[] } {
  const overridden = checks.filter((c) => !c.passed && OVERRIDABLE.includes(c.rule)).map((c) => c.rule);
  return {
    checks: checks.map((c) =>
      overridden.includes(c.rule)
        ? { ...c, passed: true, message: `${c.message} Overridden by ${by}: "${reason}".` }
        : c,
    ),
    overridden,
  };
}

export function blockingChecks(checks: readonly PolicyCheck[]): PolicyCheck[] {
  return checks.filter((check) => !check.passed);
}
