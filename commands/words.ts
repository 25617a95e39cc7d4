import { quoteInput, UsageError } from '../src/errors.ts';

/** Takes `--flag` and `--option value` out of a word list, leaving the rest. */
export function takeOptions(
  words: readonly string[],
  usage: string,
  known: { flags?: readonly string[]; values?: readonly string[] },
): { rest: string[]; flags: Set<string>; values: Map<string, string> } {
  const rest: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (!word.startsWith('--')) {
      rest.push(word);
      continue;
    }
    const [name = '', inline] = word.slice(2).split('=', 2);
    if (known.flags?.includes(name)) {
      flags.add(name);
    } else if (known.values?.includes(name)) {
      const value = inline ?? words[++i];
      if (value === undefined || value.startsWith('--'))
        throw new UsageError(`--${name} needs a value.\nUsage: ${usage}`);
      values.set(name, value);
    } else {
      const allowed = [...(known.flags ?? []), ...(known.values ?? [])].map((o) => `--${o}`);
      throw new UsageError(
        `Unknown option ${quoteInput(word)}${allowed.length > 0 ? ` (this command takes ${allowed.join(', ')})` : ''}.\nUsage: ${usage}`,
      );
    }
  }
  return { rest, flags, values };
}

export function promotionIdArgument(word: string | undefined, usage: string): string {
  const id = word?.replace(/^#/, '');
  if (!id || !/^[0-9]+$/.test(id))
    throw new UsageError(
      `${word ? `${quoteInput(word)} is not a promotion id` : 'Give a promotion id'}, e.g. 12 or #12.\nUsage: ${usage}`,
    );
  return id;
}

export function expectCount(words: readonly string[], min: number, max: number, usage: string): void {
  if (words.length < min) {
    // Name the first missing <argument> from the usage line.
    const missing = [...usage.matchAll(/<([^>]+)>/g)].map((m) => m[1])[words.length];
    throw new UsageError(`Missing ${missing ? `<${missing}>` : 'an argument'}.\nUsage: ${usage}`);
  }
  if (words.length > max)
    throw new UsageError(`Unexpected ${quoteInput(words.slice(max).join(' '))}.\nUsage: ${usage}`);
}
