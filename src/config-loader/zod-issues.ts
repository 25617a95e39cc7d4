import { z } from 'zod';
import { keyIssue, valueIssue, type PathIssue } from './path-issue.ts';
import type { ConfigPath } from './positions.ts';
import { describeUnknown } from './suggest.ts';

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodNullable) {
    return unwrap(schema.unwrap());
  }
  if (schema instanceof z.ZodPipe) return unwrap(schema.in);
  return schema;
}

function schemaAt(schema: z.core.$ZodType, path: ConfigPath): z.core.$ZodType | undefined {
  let current = unwrap(schema);
  for (const segment of path) {
    let next: z.core.$ZodType | undefined;
    if (current instanceof z.ZodObject) next = current.shape[String(segment)];
    else if (current instanceof z.ZodArray) next = current.element;
    else if (current instanceof z.ZodRecord) next = current.valueType;
    if (next === undefined) return undefined;
    current = unwrap(next);
  }
  return current;
}

function knownKeysAt(schema: z.core.$ZodType, path: ConfigPath): string[] {
  const object = schemaAt(schema, path);
  return object instanceof z.ZodObject ? Object.keys(object.shape) : [];
}

/** `requires[1]` for […, 'requires', 1]: the key a person sees, with list positions. */
function labelOf(path: ConfigPath): string {
  let start = path.length - 1;
  while (start > 0 && typeof path[start] === 'number') start--;
  const [key, ...indexes] = path.slice(start);
  if (key === undefined || typeof key === 'number') return '';
  return `${String(key)}${indexes.map((index) => `[${String(index)}]`).join('')}: `;
}

/**
 * Turns zod's issues into messages about the config as written. `prefix`
 * names who checked the value (an adapter kind) when it was not Baton itself.
 */
export function describeZodIssues(
  issues: readonly z.core.$ZodIssue[],
  schema: z.core.$ZodType,
  options: { basePath?: ConfigPath; prefix?: string } = {},
): PathIssue[] {
  const basePath = options.basePath ?? [];
  const prefix = options.prefix === undefined ? '' : `${options.prefix}: `;
  return issues.flatMap((issue): PathIssue[] => {
    const path = [...basePath, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, issue.path);
        return issue.keys.map((key) => keyIssue([...path, key], prefix + describeUnknown('unknown key', key, known)));
      }
      case 'invalid_key':
        return [keyIssue(path, prefix + (issue.issues[0]?.message ?? issue.message))];
      default: {
        const key = issue.path.at(-1);
        if (issue.input === undefined && typeof key === 'string') {
          return [valueIssue(path, `${prefix}missing required key "${key}": ${issue.message}`)];
        }
        return [valueIssue(path, `${prefix}${labelOf(issue.path)}${issue.message}`)];
      }
    }
  });
}
