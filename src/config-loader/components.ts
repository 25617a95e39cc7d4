import type { AdapterLookup } from '../core/adapter-contract.ts';
import type { Component } from '../core/model.ts';
import { findCycles } from './cycles.ts';
import { parseDuration } from '../durations.ts';
import { parseOrReport, valueIssue, type PathIssue } from './path-issue.ts';
import { checkPlaceholders } from './placeholders.ts';
import type { ConfigPath } from './positions.ts';
import type { ComponentConfig } from './schema.ts';
import type { ComponentEntry } from './shape.ts';
import { describeUnknown } from './suggest.ts';
import { describeZodIssues } from './zod-issues.ts';

const pathOf = (name: string): ConfigPath => ['components', name];

function checkAdapterSettings(config: ComponentConfig, path: ConfigPath, adapters: AdapterLookup): PathIssue[] {
  const adapter = adapters.get(config.adapter);
  if (!adapter)
    return [valueIssue([...path, 'adapter'], describeUnknown('unknown adapter', config.adapter, adapters.kinds()))];
  const result = adapter.config.safeParse(config.with, { reportInput: true });
  if (result.success) return [];
  return describeZodIssues(result.error.issues, adapter.config, {
    basePath: [...path, 'with'],
    prefix: config.adapter,
  });
}

function checkNeeds(
  name: string,
  config: ComponentConfig,
  path: ConfigPath,
  known: ReadonlyMap<string, unknown>,
): PathIssue[] {
  return config.needs.flatMap((needed, index) => {
    if (needed === name)
      return [valueIssue([...path, 'needs', index], `${name} needs itself: remove ${name} from its needs`)];
    if (!known.has(needed)) {
      return [valueIssue([...path, 'needs', index], describeUnknown('unknown component', needed, [...known.keys()]))];
    }
    return [];
  });
}

function needsCycles(entries: readonly ComponentEntry[]): PathIssue[] {
  const needsByName = new Map<string, string[]>();
  for (const { name, config } of entries) {
    if (config)
      needsByName.set(
        name,
        config.needs.filter((needed) => needed !== name),
      );
  }
  return findCycles([...needsByName.keys()], (name) => needsByName.get(name) ?? []).map((cycle) => {
    const [from = '', to = ''] = cycle;
    const needs = needsByName.get(from) ?? [];
    return valueIssue([...pathOf(from), 'needs', needs.indexOf(to)], `cycle in needs: ${cycle.join(' → ')}`);
  });
}

function toComponent(name: string, config: ComponentConfig, path: ConfigPath, issues: PathIssue[]): Component {
  const component: Component = {
    name,
    adapter: config.adapter,
    with: config.with,
    needs: config.needs,
    outputs: config.outputs,
  };
  const { timeout, retries } = config;
  if (timeout !== undefined) {
    const timeoutMs = parseOrReport(() => parseDuration(timeout), [...path, 'timeout'], issues);
    if (timeoutMs !== undefined) component.timeoutMs = timeoutMs;
  }
  if (retries !== undefined) component.retries = retries;
  return component;
}

/** Cross-checks the components against each other and their adapters, and maps the valid ones into the model. */
export function readComponents(
  entries: readonly ComponentEntry[],
  adapters: AdapterLookup,
): { components: Component[]; issues: PathIssue[] } {
  const outputsByComponent = new Map(entries.map(({ name, config }) => [name, config?.outputs]));
  const issues: PathIssue[] = [];
  const components: Component[] = [];
  for (const { name, config } of entries) {
    if (!config) continue;
    const path = pathOf(name);
    issues.push(
      ...checkAdapterSettings(config, path, adapters),
      ...checkNeeds(name, config, path, outputsByComponent),
      ...checkPlaceholders(config.with, [...path, 'with'], {
        component: name,
        needs: config.needs,
        outputsByComponent,
      }),
    );
    components.push(toComponent(name, config, path, issues));
  }
  issues.push(...needsCycles(entries));
  return { components, issues };
}
