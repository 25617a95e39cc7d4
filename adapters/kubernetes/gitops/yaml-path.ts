/**
 * The dotted paths people write for a value in a YAML file: `image.tag`,
 * `spec.template.spec.containers[0].image`.
 */

export type YamlPath = (string | number)[];

const SEGMENT = /^([^.[\]]+)((?:\[\d+\])*)$/;

export class YamlPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlPathError';
  }
}

/** Parses `a.b[0].c` into `['a', 'b', 0, 'c']`; throws a readable error for anything else. */
export function parseYamlPath(text: string): YamlPath {
  const path: YamlPath = [];
  for (const part of text.split('.')) {
    const match = SEGMENT.exec(part);
    if (!match?.[1]) {
      throw new YamlPathError(
        `"${text}" is not a key path: write keys separated by dots, with [N] for list items, e.g. image.tag or spec.containers[0].image`,
      );
    }
    path.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

export function formatYamlPath(path: YamlPath): string {
  return path.map((part, at) => (typeof part === 'number' ? `[${part}]` : at === 0 ? part : `.${part}`)).join('');
}

export function isYamlPath(text: string): boolean {
  try {
    parseYamlPath(text);
    return true;
  } catch {
    return false;
  }
}
