import { textMessage } from '../src/chat/message.ts';
import type { CommandDefinition } from './contract.ts';
import { expectCount, promotionIdArgument } from './words.ts';

const USAGE = '/promote rollback <id>';

export const rollbackCommand: CommandDefinition<'rollback'> = {
  name: 'rollback',
  usage: USAGE,
  summary: 'Undo what a finished promotion applied, last step first; irreversible steps are kept and named.',
  examples: ['/promote rollback 12'],
  parse(words) {
    expectCount(words, 1, 1, USAGE);
    return { name: 'rollback', id: promotionIdArgument(words[0], USAGE) };
  },
  async run(command, context) {
    const outcome = await context.promotions.rollback(command.id, context.user);
    return { visibility: 'private', message: textMessage(outcome.message, outcome.ok ? 'active' : 'warning') };
  },
};
