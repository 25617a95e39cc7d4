/** Suggestions for the /promote text as it is typed: subcommands, environments after "to", release names. */
import { readdir } from 'node:fs/promises';
import type { Pipeline } from '../../core/model.ts';

const SUBCOMMANDS = ['status', 'history', 'diff', 'rollback', 'freeze', 'unfreeze', 'audit', 'help'];

async function releaseNames(releasesDir: string): Promise<string[]> {
  const files = await readdir(releasesDir).catch(() => []);
  return files.filter((f) => /.\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, ''));
}

/** Whole command texts that complete `typed`, at most 25 (Discord's limit). */
export async function completePromote(typed: string, pipeline: Pipeline): Promise<string[]> {
  const words = typed.trimStart().split(/\s+/);
  const partial = words.pop() ?? '';
  const before = words.join(' ');
  const previous = words.at(-1);
  const environments = pipeline.environments.map((e) => e.name);
  const candidates =
    words.length === 0
      ? [...SUBCOMMANDS, ...environments, ...(await releaseNames(pipeline.releasesDir))]
      : previous === 'to' ||
          previous === 'freeze' ||
          previous === 'unfreeze' ||
          previous === 'history' ||
          previous === 'diff'
        ? environments
        : words.length === 1 && !SUBCOMMANDS.includes(words[0] ?? '')
          ? ['to']
          : [];
  return candidates
    .filter((c) => c.startsWith(partial))
    .slice(0, 25)
    .map((c) => (before ? `${before} ${c}` : c));
}
