import { findPlaceholders, type Placeholder } from '../core/templates.ts';
import { valueIssue, type PathIssue } from './path-issue.ts';
import type { ConfigPath } from './positions.ts';
import { describeUnknown } from './suggest.ts';

export interface PlaceholderScope {
  component: string;
  needs: readonly string[];
  /** Every component by name, with the outputs it declares (undefined when its entry is invalid). */
  outputsByComponent: ReadonlyMap<string, readonly string[] | undefined>;
}

function checkOutputReference(
  placeholder: Extract<Placeholder, { kind: 'output' }>,
  scope: PlaceholderScope,
): string[] {
  const { component: source, output, text } = placeholder;
  const { component } = scope;
  if (source === component) return [`"${text}" refers to ${component} itself: a component cannot use its own outputs`];
  if (!scope.outputsByComponent.has(source)) {
    return [describeUnknown(`"${text}" refers to unknown component`, source, [...scope.outputsByComponent.keys()])];
  }
  const problems: string[] = [];
  if (!scope.needs.includes(source)) {
    problems.push(
      `"${text}" refers to ${source}, which ${component} does not need: add ${source} to ${component}'s needs`,
    );
  }
  const declared = scope.outputsByComponent.get(source);
  if (declared !== undefined && !declared.includes(output)) {
    const declaredList = declared.length === 0 ? 'none' : declared.join(', ');
    problems.push(
      `${source} does not declare output "${output}": add it to ${source}'s outputs (declared: ${declaredList})`,
    );
  }
  return problems;
}

function checkString(text: string, path: ConfigPath, scope: PlaceholderScope): PathIssue[] {
  const { placeholders, problems } = findPlaceholders(text);
  const messages = [
    ...problems.map((problem) => problem.message),
    ...placeholders.flatMap((placeholder) =>
      placeholder.kind === 'output' ? checkOutputReference(placeholder, scope) : [],
    ),
  ];
  return messages.map((message) => valueIssue(path, message));
}

/** Checks every `${…}` in a component's settings, at the string it is written in. */
export function checkPlaceholders(value: unknown, path: ConfigPath, scope: PlaceholderScope): PathIssue[] {
  if (typeof value === 'string') return checkString(value, path, scope);
  if (Array.isArray(value)) return value.flatMap((item, index) => checkPlaceholders(item, [...path, index], scope));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => checkPlaceholders(item, [...path, key], scope));
  }
  return [];
}
