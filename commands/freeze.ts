import { textMessage } from '../src/chat/message.ts';
import type { CommandDefinition } from './contract.ts';
import { expectCount } from './words.ts';

const FREEZE_USAGE = '/promote freeze <env> [reason]';
const UNFREEZE_USAGE = '/promote unfreeze <env>';

export const freezeCommand: CommandDefinition<'freeze'> = {
  name: 'freeze',
  usage: FREEZE_USAGE,
  summary: 'Stop promotions into an environment until it is unfrozen: new ones are refused, approved ones wait.',
  examples: ['/promote freeze production "end-of-year freeze"'],
  parse(words) {
    expectCount(words, 1, Number.MAX_SAFE_INTEGER, FREEZE_USAGE);
    return { name: 'freeze', environment: words[0] ?? '', reason: words.slice(1).join(' ') };
  },
  async run(command, context) {
    const freeze = await context.promotions.freeze(command.environment, command.reason, context.user);
    return {
      visibility: 'channel',
      message: textMessage(
        `${freeze.environment} is frozen${freeze.reason ? `: ${freeze.reason}` : ''}. New promotions are refused and approved ones wait until /promote unfreeze ${freeze.environment}; one already running goes on.`,
        'warning',
      ),
    };
  },
};

export const unfreezeCommand: CommandDefinition<'unfreeze'> = {
  name: 'unfreeze',
  usage: UNFREEZE_USAGE,
  summary: 'Allow promotions into a frozen environment again.',
  examples: ['/promote unfreeze production'],
  parse(words) {
    expectCount(words, 1, 1, UNFREEZE_USAGE);
    return { name: 'unfreeze', environment: words[0] ?? '' };
  },
  async run(command, context) {
    const lifted = await context.promotions.unfreeze(command.environment, context.user);
    return lifted
      ? {
          visibility: 'channel',
          message: textMessage(
            `${command.environment} is no longer frozen; approved promotions waiting for it start in turn.`,
            'good',
          ),
        }
      : { visibility: 'private', message: textMessage(`${command.environment} was not frozen.`) };
  },
};
