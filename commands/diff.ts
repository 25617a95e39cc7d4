import { textMessage } from '../src/chat/message.ts';
import { environmentIn } from '../src/core/runtime.ts';
import type { CommandDefinition } from './definition.ts';
import { expectCount } from './words.ts';

const USAGE = '/promote diff <envA> <envB>';

export const diffCommand: CommandDefinition<'diff'> = {
  name: 'diff',
  usage: USAGE,
  summary: 'Show what two environments run side by side; differences are marked.',
  examples: ['/promote diff staging production'],
  parse(words) {
    expectCount(words, 2, 2, USAGE);
    return { name: 'diff', from: words[0] ?? '', to: words[1] ?? '' };
  },
  async run(command, context) {
    for (const name of [command.from, command.to]) environmentIn(context.pipeline, name);
    const [from, to] = await Promise.all([context.store.getLedger(command.from), context.store.getLedger(command.to)]);
    const components = context.pipeline.components.map((c) => c.name).filter((c) => from[c] || to[c]);
    if (components.length === 0) return { visibility: 'private', message: textMessage(`Neither ${command.from} nor ${command.to} runs anything Baton promoted yet.`) };
    return {
      visibility: 'private',
      message: {
        text: `${command.from} vs ${command.to}`,
        tone: 'neutral',
        blocks: [
          { type: 'header', text: `${command.from} ⇄ ${command.to}` },
          {
            type: 'list',
            items: components.map((component) => {
              const a = from[component]?.version ?? '—';
              const b = to[component]?.version ?? '—';
              return a === b
                ? { text: `\`${component}\` ${a} (same)`, tone: 'good' as const }
                : { text: `\`${component}\` ${a} ≠ ${b}`, tone: 'warning' as const };
            }),
          },
        ],
      },
    };
  },
};
