import { textMessage } from '../src/chat/message.ts';
import { quoteInput } from '../src/errors.ts';
import type { CommandDefinition, CommandSummary } from './contract.ts';
import { expectCount } from './words.ts';

const USAGE = '/promote help [<subcommand>]';

/** Help needs the list of commands; the registry hands it over to avoid an import cycle. */
export function makeHelpCommand(all: () => readonly CommandSummary[]): CommandDefinition<'help'> {
  return {
    name: 'help',
    usage: USAGE,
    summary: 'Show the commands, or one command with examples.',
    examples: ['/promote help', '/promote help rollback'],
    parse(words) {
      expectCount(words, 0, 1, USAGE);
      return words[0] ? { name: 'help', topic: words[0] } : { name: 'help' };
    },
    async run(command) {
      const definitions = all();
      if (command.topic) {
        const found = definitions.find((d) => d.name === command.topic);
        if (!found) {
          return {
            visibility: 'private',
            message: textMessage(
              `There is no subcommand ${quoteInput(command.topic)}. Subcommands: ${definitions
                .map((d) => d.name)
                .filter((n) => n !== 'promote')
                .join(', ')}.`,
              'warning',
            ),
          };
        }
        return {
          visibility: 'private',
          message: {
            text: `${found.usage}: ${found.summary}`,
            tone: 'neutral',
            blocks: [
              { type: 'code', text: found.usage },
              { type: 'text', text: found.summary },
              {
                type: 'list',
                items: found.examples.map((example) => ({ text: `\`${example}\``, tone: 'neutral' as const })),
              },
            ],
          },
        };
      }
      return {
        visibility: 'private',
        message: {
          text: 'Baton commands',
          tone: 'neutral',
          blocks: [
            { type: 'header', text: 'Baton commands' },
            {
              type: 'list',
              items: definitions.map((d) => ({ text: `\`${d.usage}\` — ${d.summary}`, tone: 'neutral' as const })),
            },
            { type: 'context', text: '/promote help <subcommand> shows examples.' },
          ],
        },
      };
    },
  };
}
