import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AdapterLookup } from '../core/adapter-contract.ts';
import type { Pipeline } from '../core/model.ts';
import { BatonError, ConfigError, ErrorCode, type ConfigIssue } from '../errors.ts';
import { readComponents } from './components.ts';
import { readEnvironments } from './environments.ts';
import { readRetention } from './retention.ts';
import type { PathIssue } from './path-issue.ts';
import type { DocumentPositions } from './positions.ts';
import { checkShape } from './shape.ts';
import type { GroupsConfig } from './schema.ts';
import { readYaml } from './yaml-document.ts';

export interface LoadOptions {
  adapters: AdapterLookup;
}

const DEFAULT_RELEASES_DIR = 'releases';

function locate(issue: PathIssue, positions: DocumentPositions): ConfigIssue {
  const position = issue.target === 'key' ? positions.ofKey(issue.path) : positions.ofValue(issue.path);
  return { position, message: issue.message };
}

function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return a.position.line - b.position.line || a.position.col - b.position.col;
}

function splitGroups(config: GroupsConfig): Pick<Pipeline, 'groups' | 'linkedGroups'> {
  const groups: Record<string, string[]> = {};
  const linkedGroups: Pipeline['linkedGroups'] = {};
  for (const [name, members] of Object.entries(config)) {
    if (Array.isArray(members)) groups[name] = members;
    else
      linkedGroups[name] =
        'role' in members ? { kind: 'role', ref: members.role } : { kind: 'usergroup', ref: members.usergroup };
  }
  return { groups, linkedGroups };
}

/** Parses and checks a config; throws a ConfigError listing every problem found. */
export function parsePipeline(text: string, file: string, options: LoadOptions): Pipeline {
  const source = readYaml(text, file);
  if (!('value' in source)) throw new ConfigError(source.issues.sort(byPosition));
  const { positions } = source;
  const shape = checkShape(source.value);
  const { environments, issues: environmentIssues } = readEnvironments(
    shape.config.environments,
    shape.config.groups,
    (path) => positions.ofValue(path).line,
  );
  const { components, issues: componentIssues } = readComponents(shape.config.components, options.adapters);
  const retentionIssues: PathIssue[] = [];
  const retention = readRetention(shape.config.retention, file, retentionIssues);
  const issues = [
    ...source.issues,
    ...[...shape.issues, ...environmentIssues, ...componentIssues, ...retentionIssues].map((issue) =>
      locate(issue, positions),
    ),
  ];
  if (issues.length > 0) throw new ConfigError(issues.sort(byPosition));
  return {
    source: file,
    environments,
    components,
    ...splitGroups(shape.config.groups ?? {}),
    releasesDir: resolve(dirname(file), shape.config.releases ?? DEFAULT_RELEASES_DIR),
    ...(retention ? { retention } : {}),
  };
}

/** Reads and checks the config file at `file` (see parsePipeline). */
export async function loadPipeline(file: string, options: LoadOptions): Promise<Pipeline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new BatonError(
      ErrorCode.ConfigNotFound,
      `No config file at ${resolve(file)}: create it (config/baton.example.yaml in Baton is a starting point) or give the path of an existing one.`,
      { cause: error },
    );
  }
  return parsePipeline(text, file, options);
}
