/**
 * The dotted paths people write for a value in a YAML file: `image.tag`,
 * `spec.template.spec.containers[0].image`, and, for keys that hold dots
 * themselves (annotations, labels), `metadata.annotations["eks.amazonaws.com/role-arn"]`.
 */

export type YamlPath = (string | number)[];

const PLAIN_KEY = /[^.[\]"]+/y;
const LIST_INDEX = /\[(\d+)\]/y;
const QUOTED_KEY = /\["((?:[^"\\]|\\.)*)"\]/y;

export class YamlPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlPathError';
  }
}

function notAPath(text: string): YamlPathError {
  return new YamlPathError(
    `"${text}" is not a key path: write keys separated by dots, with [N] for list items and ["…"] for a key that holds dots, ` +
      'e.g. image.tag, spec.containers[0].image or metadata.annotations["eks.amazonaws.com/role-arn"]',
  );
}

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/** The key inside `["…"]`, read as a JSON string so `\"` and `\\` work as people expect. */
function quotedKey(inner: string, text: string): string {
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    throw notAPath(text);
  }
}

/** Parses `a.b[0]["c.d"]` into `['a', 'b', 0, 'c.d']`; throws a readable error for anything else. */
export function parseYamlPath(text: string): YamlPath {
  const path: YamlPath = [];
  let at = 0;
  // A plain key may start the path or follow a dot; brackets may follow any part.
  let needKey = true;
  while (at < text.length) {
    const plain = needKey ? matchAt(PLAIN_KEY, text, at) : null;
    if (plain) {
      path.push(plain[0]);
      at += plain[0].length;
      needKey = false;
      continue;
    }
    const index = matchAt(LIST_INDEX, text, at);
    const quoted = index ? null : matchAt(QUOTED_KEY, text, at);
    if ((index || quoted) && !(needKey && path.length > 0)) {
      path.push(index ? Number(index[1]) : quotedKey(quoted?.[1] ?? '', text));
      at += (index ?? quoted)?.[0].length ?? 0;
      needKey = false;
      continue;
    }
    if (text[at] === '.' && !needKey) {
      at += 1;
      needKey = true;
      continue;
    }
    throw notAPath(text);
  }
  if (needKey) throw notAPath(text);
  return path;
}

const WRITTEN_PLAIN = /^[^.[\]"]+$/;

export function formatYamlPath(path: YamlPath): string {
  return path
    .map((part, at) => {
      if (typeof part === 'number') return `[${part}]`;
      if (!WRITTEN_PLAIN.test(part)) return `[${JSON.stringify(part)}]`;
      return at === 0 ? part : `.${part}`;
    })
    .join('');
}

export function isYamlPath(text: string): boolean {
  try {
    parseYamlPath(text);
    return true;
  } catch {
    return false;
  }
}
