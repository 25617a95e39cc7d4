import type { z } from 'zod';
import type { PathIssue } from './path-issue.ts';
import {
  componentSchema,
  environmentSchema,
  pipelineSchema,
  type ComponentConfig,
  type EnvironmentConfig,
  type GroupsConfig,
  type PipelineConfig,
} from './schema.ts';
import { describeZodIssues } from './zod-issues.ts';

export interface EnvironmentEntry {
  index: number;
  /** Known even when the rest of the entry is invalid, so references to it still resolve. */
  name?: string;
  /** Absent when the entry cannot be checked further. */
  config?: EnvironmentConfig;
}

export interface ComponentEntry {
  name: string;
  config?: ComponentConfig;
}

export interface ShapedConfig {
  /** Absent when `groups:` is invalid, so group references are not checked against it. */
  groups?: GroupsConfig;
  releases?: string;
  /** Absent when missing or invalid. */
  retention?: PipelineConfig['retention'];
  environments: EnvironmentEntry[];
  components: ComponentEntry[];
}

/**
 * Keys no cross-check reads. An entry whose only problems are unknown keys or
 * these keys is checked further without them, so that a typo does not hide
 * the entry's other problems. Dropping any other key would cause false reports.
 */
const KEYS_SAFE_TO_DROP = {
  environments: new Set(['channel', 'soak', 'approvals', 'windows', 'requesters']),
  components: new Set(['timeout', 'retries']),
};

/** Per entry (`environments/2`, `components/api`): the keys to drop, or null when the entry cannot be kept. */
function keysToDropByEntry(issues: readonly z.core.$ZodIssue[]): Map<string, Set<string> | null> {
  const byEntry = new Map<string, Set<string> | null>();
  for (const issue of issues) {
    const [section, id, key] = issue.path;
    if ((section !== 'environments' && section !== 'components') || id === undefined) continue;
    const entry = `${section}/${String(id)}`;
    const kept = byEntry.get(entry);
    if (kept === null) continue;
    const droppable =
      key === undefined && issue.code === 'unrecognized_keys'
        ? issue.keys
        : typeof key === 'string' && KEYS_SAFE_TO_DROP[section].has(key)
          ? [key]
          : undefined;
    byEntry.set(entry, droppable === undefined ? null : new Set([...(kept ?? []), ...droppable]));
  }
  return byEntry;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function keptEntry<T>(schema: z.ZodType<T>, raw: unknown, keysToDrop: Set<string> | null | undefined): T | undefined {
  if (keysToDrop === null || !isMapping(raw)) return undefined;
  const kept =
    keysToDrop === undefined ? raw : Object.fromEntries(Object.entries(raw).filter(([key]) => !keysToDrop.has(key)));
  return schema.safeParse(kept).data;
}

/** Keeps every entry of an invalid config that can still be checked, for the checks that follow. */
function salvage(raw: unknown, issues: readonly z.core.$ZodIssue[]): ShapedConfig {
  if (!isMapping(raw)) return { environments: [], components: [] };
  const keysToDrop = keysToDropByEntry(issues);
  const environments = Array.isArray(raw.environments)
    ? raw.environments.map((entry: unknown, index) => ({
        index,
        name: isMapping(entry) && typeof entry.name === 'string' ? entry.name : undefined,
        config: keptEntry(environmentSchema, entry, keysToDrop.get(`environments/${index}`)),
      }))
    : [];
  const components = isMapping(raw.components)
    ? Object.entries(raw.components).map(([name, entry]) => ({
        name,
        config: keptEntry(componentSchema, entry, keysToDrop.get(`components/${name}`)),
      }))
    : [];
  return {
    groups: pipelineSchema.shape.groups.safeParse(raw.groups).data,
    releases: pipelineSchema.shape.releases.safeParse(raw.releases).data,
    retention: pipelineSchema.shape.retention.safeParse(raw.retention).data,
    environments,
    components,
  };
}

/** Checks the config's shape: types, required and unknown keys, name syntax. */
export function checkShape(raw: unknown): { config: ShapedConfig; issues: PathIssue[] } {
  const result = pipelineSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const { issues } = result.error;
    return { config: salvage(raw, issues), issues: describeZodIssues(issues, pipelineSchema) };
  }
  const { groups, releases, retention, environments, components } = result.data;
  return {
    config: {
      groups,
      releases,
      retention,
      environments: environments.map((config, index) => ({ index, name: config.name, config })),
      components: Object.entries(components).map(([name, config]) => ({ name, config })),
    },
    issues: [],
  };
}
