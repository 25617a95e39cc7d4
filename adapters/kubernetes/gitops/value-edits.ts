/**
 * Reads values from files of the working copy and writes new ones into the
 * same places: only the targeted values' characters change. Several values
 * may live in one file; each is found again in the text the previous one left.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TerminalStepError } from '../../kit/step-errors.ts';
import type { EditTarget, ValueEdit } from './edit-target.ts';
import type { WorkingCopy } from './working-copy.ts';
import { YamlPathError } from './yaml-path.ts';
import {
  documentAt,
  locateValue,
  parseYamlDocuments,
  replaceValue,
  YamlEditError,
  type LocatedValue,
} from './yaml-value.ts';

export interface EditedValue {
  target: EditTarget;
  /** What the file held; null when the value was empty. */
  from: string | null;
  to: string;
  /** The changed lines, as `-`/`+` pairs under a `file:line` header, for the plan. */
  diff: string[];
}

export interface PreparedEdits {
  /** One per edit asked for, in the same order, including values that already hold what was asked. */
  values: EditedValue[];
  /** The files whose text changes, relative to the repository root, with their new text. */
  files: Map<string, string>;
}

function editProblem(copy: WorkingCopy, error: unknown): unknown {
  if (!(error instanceof YamlEditError || error instanceof YamlPathError)) return error;
  return new TerminalStepError(
    `${error.message} (branch ${copy.branch} of ${copy.display}; check the \`path\`, \`edit\` and \`set\` settings.)`,
    { cause: error },
  );
}

async function readText(copy: WorkingCopy, file: string): Promise<string> {
  return readFile(join(copy.dir, file), 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new TerminalStepError(
      `${file} does not exist on branch ${copy.branch} of ${copy.display}. ` +
        'Check the `path`, `edit` and `set` settings: files are looked up relative to `path` in the repository.',
    );
  });
}

function locate(copy: WorkingCopy, source: string, target: EditTarget): LocatedValue {
  try {
    const { documentIndex, path } = target.pathIn(source);
    const document = documentAt(parseYamlDocuments(source, target.file), documentIndex, target.file);
    return locateValue(source, document, path, target.file);
  } catch (error) {
    throw editProblem(copy, error);
  }
}

function lineDiff(target: EditTarget, before: string, after: string, located: LocatedValue): string[] {
  const beforeLines = before.split('\n');
  const afterLines = after.split('\n');
  const first = located.line - 1;
  // Only one value changes, so every line after it keeps its text; the changed block ends where the tails meet.
  let beforeEnd = beforeLines.length;
  let afterEnd = afterLines.length;
  while (beforeEnd > first + 1 && afterEnd > first + 1 && beforeLines[beforeEnd - 1] === afterLines[afterEnd - 1]) {
    beforeEnd -= 1;
    afterEnd -= 1;
  }
  return [
    `${target.file}:${located.line}`,
    ...beforeLines.slice(first, beforeEnd).map((line) => `- ${line}`),
    ...afterLines.slice(first, afterEnd).map((line) => `+ ${line}`),
  ];
}

/** The value `target` holds in the working copy; null when it is empty. */
export async function readValue(copy: WorkingCopy, target: EditTarget): Promise<string | null> {
  return locate(copy, await readText(copy, target.file), target).value;
}

/** Works out every edit on the working copy's files without writing anything. */
export async function prepareEdits(copy: WorkingCopy, edits: readonly ValueEdit[]): Promise<PreparedEdits> {
  const original = new Map<string, string>();
  const texts = new Map<string, string>();
  const values: EditedValue[] = [];
  for (const { target, value } of edits) {
    if (!original.has(target.file)) original.set(target.file, await readText(copy, target.file));
    const before = texts.get(target.file) ?? original.get(target.file) ?? '';
    const located = locate(copy, before, target);
    const after = located.value === value ? before : replaceValue(before, located, value);
    values.push({ target, from: located.value, to: value, diff: lineDiff(target, before, after, located) });
    texts.set(target.file, after);
  }
  const files = new Map([...texts].filter(([file, text]) => text !== original.get(file)));
  return { values, files };
}

/** "newTag of image ghcr.io/acme/api 1.0.0 → 2.0.0 in apps/api/overlays/dev/kustomization.yaml" */
export function describeChange({ target, from, to }: EditedValue): string {
  return `${target.describe} ${from ?? '(empty)'} → ${to} in ${target.file}`;
}

/** The values whose text changes. */
export function changedValues(prepared: PreparedEdits): EditedValue[] {
  return prepared.values.filter((edited) => edited.from !== edited.to);
}

export async function writeEdits(copy: WorkingCopy, prepared: PreparedEdits): Promise<void> {
  for (const [file, text] of prepared.files) await writeFile(join(copy.dir, file), text, 'utf8');
}
