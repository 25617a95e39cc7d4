/** `retention:`: how long finished promotions stay in the store before they go into evidence bundles. */
import { dirname, resolve } from 'node:path';
import type { Retention } from '../core/model.ts';
import { formatDuration, parseDuration } from '../durations.ts';
import { parseOrReport, valueIssue, type PathIssue } from './path-issue.ts';
import type { PipelineConfig } from './schema.ts';

const DAY_MS = 86_400_000;
/** Archiving what just finished would take the history DORA figures and rollbacks read. */
const KEEP_MIN_MS = DAY_MS;
/** Each run reads the promotions due: more often than a minute only adds load. */
const EVERY_MIN_MS = 60_000;

function atLeast(
  ms: number | undefined,
  min: number,
  path: string[],
  what: string,
  issues: PathIssue[],
): number | undefined {
  if (ms === undefined || ms >= min) return ms;
  issues.push(valueIssue(path, `${what} must be at least ${formatDuration(min)} (got ${formatDuration(ms)})`));
  return undefined;
}

export function readRetention(
  config: PipelineConfig['retention'],
  file: string,
  issues: PathIssue[],
): Retention | undefined {
  if (config === undefined) return undefined;
  const keepPath = ['retention', 'keep'];
  const everyPath = ['retention', 'every'];
  const keepMs = atLeast(
    parseOrReport(() => parseDuration(config.keep), keepPath, issues),
    KEEP_MIN_MS,
    keepPath,
    'retention.keep',
    issues,
  );
  const everyMs =
    config.every === undefined
      ? DAY_MS
      : atLeast(
          parseOrReport(() => parseDuration(config.every ?? ''), everyPath, issues),
          EVERY_MIN_MS,
          everyPath,
          'retention.every',
          issues,
        );
  if (keepMs === undefined || everyMs === undefined) return undefined;
  return { keepMs, everyMs, ...(config.to ? { folder: resolve(dirname(file), config.to) } : {}) };
}
