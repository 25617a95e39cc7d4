import { ConfigError, formatConfigIssue } from '../../src/errors.ts';
import type { Pipeline } from '../../src/core/model.ts';
import { parsePipeline } from '../../src/config-loader/load.ts';
import { fakeAdapters } from './fake-adapters.ts';

export const FILE = 'pipeline.yaml';

/** Joins lines into a YAML text, so that a test can count lines at a glance. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

export function parse(text: string): Pipeline {
  return parsePipeline(text, FILE, { adapters: fakeAdapters });
}

/** Every problem reported for `text`, as `file:line:col: message`. */
export function problemsIn(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatConfigIssue);
    throw error;
  }
  throw new Error('expected the config to be rejected, but it loaded');
}
