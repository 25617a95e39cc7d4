/**
 * Reads the version from the environment's file in the working copy, and
 * writes a new one into the same place: only the targeted value changes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TerminalStepError } from '../../../src/errors.ts';
import type { EditTarget } from './edit-target.ts';
import type { WorkingCopy } from './working-copy.ts';
import { YamlPathError } from './yaml-path.ts';
import { documentAt, locateValue, parseYamlDocuments, replaceValue, YamlEditError, type LocatedValue } from './yaml-value.ts';

export interface VersionFile {
  target: EditTarget;
  source: string;
  located: LocatedValue;
}

function editProblem(copy: WorkingCopy, error: unknown): unknown {
  if (!(error instanceof YamlEditError || error instanceof YamlPathError)) return error;
  return new TerminalStepError(
    `${error.message} (branch ${copy.branch} of ${copy.display}; check the \`path\` and \`edit\` settings.)`,
    { cause: error },
  );
}

export async function readVersionFile(copy: WorkingCopy, target: EditTarget): Promise<VersionFile> {
  const source = await readFile(join(copy.dir, target.file), 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new TerminalStepError(
      `${target.file} does not exist on branch ${copy.branch} of ${copy.display}. ` +
        'Check the `path` and `edit` settings: the file is looked up relative to `path` in the repository.',
    );
  });
  try {
    const { documentIndex, path } = target.pathIn(source);
    const document = documentAt(parseYamlDocuments(source, target.file), documentIndex, target.file);
    return { target, source, located: locateValue(source, document, path, target.file) };
  } catch (error) {
    throw editProblem(copy, error);
  }
}

function withVersion(file: VersionFile, version: string): string {
  return replaceValue(file.source, file.located, version);
}

export async function writeVersion(copy: WorkingCopy, file: VersionFile, version: string): Promise<void> {
  await writeFile(join(copy.dir, file.target.file), withVersion(file, version), 'utf8');
}

/** The changed lines, as `-`/`+` pairs under a `file:line` header, for the plan. */
export function versionDiff(file: VersionFile, version: string): string[] {
  const before = file.source.split('\n');
  const after = withVersion(file, version).split('\n');
  const first = file.located.line - 1;
  // Only one value changes, so every line after it keeps its text; the changed block ends where the tails meet.
  let beforeEnd = before.length;
  let afterEnd = after.length;
  while (beforeEnd > first + 1 && afterEnd > first + 1 && before[beforeEnd - 1] === after[afterEnd - 1]) {
    beforeEnd -= 1;
    afterEnd -= 1;
  }
  return [
    `${file.target.file}:${file.located.line}`,
    ...before.slice(first, beforeEnd).map((line) => `- ${line}`),
    ...after.slice(first, afterEnd).map((line) => `+ ${line}`),
  ];
}
