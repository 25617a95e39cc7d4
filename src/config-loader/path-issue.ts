import { BatonError } from '../errors.ts';
import type { ConfigPath } from './positions.ts';

/** A problem found in the parsed config, located by path until it is reported. */
export interface PathIssue {
  path: ConfigPath;
  /** `key` points at the key written for the last path element instead of its value. */
  target: 'key' | 'value';
  message: string;
}

export function valueIssue(path: ConfigPath, message: string): PathIssue {
  return { path, target: 'value', message };
}

export function keyIssue(path: ConfigPath, message: string): PathIssue {
  return { path, target: 'key', message };
}

/** Runs a parser that reports bad input as a BatonError, turning that error into an issue at `path`. */
export function parseOrReport<T>(parse: () => T, path: ConfigPath, issues: PathIssue[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof BatonError)) throw error;
    issues.push(valueIssue(path, error.message));
    return undefined;
  }
}
