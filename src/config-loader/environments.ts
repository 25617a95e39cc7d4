import type { Environment, PeopleRule } from '../core/model.ts';
import { findCycles } from './cycles.ts';
import { formatDuration, parseDuration } from '../durations.ts';
import { parseOrReport, valueIssue, type PathIssue } from './path-issue.ts';
import { checkPeople } from './people-refs.ts';
import type { ConfigPath } from './positions.ts';
import type { EnvironmentConfig, GroupsConfig } from './schema.ts';
import type { EnvironmentEntry } from './shape.ts';
import { describeUnknown } from './suggest.ts';
import { parsePromotionWindow } from './window-syntax.ts';

const pathOf = (index: number): ConfigPath => ['environments', index];

function duplicateNames(entries: readonly EnvironmentEntry[], lineOf: (path: ConfigPath) => number): PathIssue[] {
  const firstIndex = new Map<string, number>();
  const issues: PathIssue[] = [];
  for (const { name, index } of entries) {
    if (name === undefined) continue;
    const first = firstIndex.get(name);
    if (first === undefined) {
      firstIndex.set(name, index);
    } else {
      const firstLine = lineOf([...pathOf(first), 'name']);
      issues.push(
        valueIssue([...pathOf(index), 'name'], `duplicate environment "${name}" (first defined at line ${firstLine})`),
      );
    }
  }
  return issues;
}

function checkRequires(config: EnvironmentConfig, path: ConfigPath, known: ReadonlySet<string>): PathIssue[] {
  return config.requires.flatMap((required, index) => {
    if (required === config.name) {
      return [
        valueIssue(
          [...path, 'requires', index],
          `environment "${required}" requires itself: remove "${required}" from its requires`,
        ),
      ];
    }
    if (!known.has(required)) {
      return [valueIssue([...path, 'requires', index], describeUnknown('unknown environment', required, [...known]))];
    }
    return [];
  });
}

function requiresCycles(entries: readonly EnvironmentEntry[]): PathIssue[] {
  const byName = new Map<string, { index: number; requires: string[] }>();
  for (const { index, config } of entries) {
    if (config && !byName.has(config.name)) {
      byName.set(config.name, { index, requires: config.requires.filter((required) => required !== config.name) });
    }
  }
  return findCycles([...byName.keys()], (name) => byName.get(name)?.requires ?? []).map((cycle) => {
    const [from = '', to = ''] = cycle;
    const { index = 0, requires = [] } = byName.get(from) ?? {};
    return valueIssue([...pathOf(index), 'requires', requires.indexOf(to)], `cycle in requires: ${cycle.join(' → ')}`);
  });
}

function soakMsOf(config: EnvironmentConfig, path: ConfigPath, issues: PathIssue[]): number {
  const { soak } = config;
  if (soak === undefined) return 0;
  const soakPath = [...path, 'soak'];
  if (config.requires.length === 0) {
    issues.push(
      valueIssue(
        soakPath,
        'soak needs requires: soak is how long the release must have run in the required environments; add requires or remove soak',
      ),
    );
  }
  return parseOrReport(() => parseDuration(soak), soakPath, issues) ?? 0;
}

/** Each check asks every target: more often than a minute would make Baton the load on them. */
const DRIFT_MIN_MS = 60_000;

function driftEveryOf(
  config: EnvironmentConfig,
  path: ConfigPath,
  issues: PathIssue[],
): Pick<Environment, 'driftEveryMs'> {
  if (config.drift === undefined) return {};
  const everyPath = [...path, 'drift', 'every'];
  const everyMs = parseOrReport(() => parseDuration(config.drift?.every ?? ''), everyPath, issues);
  if (everyMs === undefined) return {};
  if (everyMs < DRIFT_MIN_MS) {
    issues.push(
      valueIssue(
        everyPath,
        `drift.every must be at least 1m: each check asks every target what it runs (got ${formatDuration(everyMs)})`,
      ),
    );
    return {};
  }
  return { driftEveryMs: everyMs };
}

function toEnvironment(config: EnvironmentConfig, path: ConfigPath, issues: PathIssue[]): Environment {
  const windows = config.windows.flatMap((text, index) => {
    const window = parseOrReport(() => parsePromotionWindow(text), [...path, 'windows', index], issues);
    return window === undefined ? [] : [window];
  });
  return {
    name: config.name,
    channel: config.channel,
    requires: config.requires,
    soakMs: soakMsOf(config, path, issues),
    approvals: config.approvals,
    windows,
    requesters: config.requesters,
    ...permissionRules(config),
    ...driftEveryOf(config, path, issues),
  };
}

function unionOf(...lists: readonly string[][]): string[] {
  return [...new Set(lists.flat())];
}

/** The README states these defaults; change them there too. */
function permissionRules(config: EnvironmentConfig): Pick<Environment, 'rollback' | 'freeze' | 'override'> {
  const { requesters } = config;
  const approvers = config.approvals.from;
  const given = (people: string[] | undefined, fallback: PeopleRule['people']): PeopleRule =>
    people === undefined ? { people: fallback, origin: 'default' } : { people, origin: 'config' };
  return {
    rollback: given(
      config.rollback,
      requesters.length === 0 && approvers.length === 0 ? 'anyone' : unionOf(requesters, approvers),
    ),
    freeze: given(config.freeze, approvers.length === 0 ? 'anyone' : approvers),
    override: given(config.override, []),
  };
}

/** Cross-checks the environments and maps the valid ones into the model. */
export function readEnvironments(
  entries: readonly EnvironmentEntry[],
  groups: GroupsConfig | undefined,
  lineOf: (path: ConfigPath) => number,
): { environments: Environment[]; issues: PathIssue[] } {
  const issues = duplicateNames(entries, lineOf);
  const known = new Set(entries.flatMap(({ name }) => (name === undefined ? [] : [name])));
  const environments: Environment[] = [];
  for (const { index, config } of entries) {
    if (!config) continue;
    issues.push(...checkRequires(config, pathOf(index), known), ...checkPeople(config, pathOf(index), groups));
    environments.push(toEnvironment(config, pathOf(index), issues));
  }
  issues.push(...requiresCycles(entries));
  return { environments, issues };
}
