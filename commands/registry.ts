/**
 * Every `/promote` subcommand, by name. The first word picks the subcommand;
 * anything else is a promotion request (`<release> to <env>`).
 */
import type { Reply } from '../src/chat/contract.ts';
import type { Command, CommandName } from './command.ts';
import { auditCommand } from './audit.ts';
import type { CommandContext, CommandDefinition } from './contract.ts';
import { diffCommand } from './diff.ts';
import { doraCommand } from './dora.ts';
import { driftCommand } from './drift.ts';
import { freezeCommand, unfreezeCommand } from './freeze.ts';
import { makeHelpCommand } from './help.ts';
import { historyCommand } from './history.ts';
import { promoteCommand } from './promote.ts';
import { rollbackCommand } from './rollback.ts';
import { statusCommand } from './status.ts';
import { tokenize } from './tokenize.ts';

type Registry = { [N in CommandName]: CommandDefinition<N> };

export const commandRegistry: Registry = {
  promote: promoteCommand,
  status: statusCommand,
  history: historyCommand,
  diff: diffCommand,
  rollback: rollbackCommand,
  freeze: freezeCommand,
  unfreeze: unfreezeCommand,
  audit: auditCommand,
  dora: doraCommand,
  drift: driftCommand,
  help: makeHelpCommand(() => Object.values(commandRegistry)),
};

function isSubcommand(word: string | undefined): word is Exclude<CommandName, 'promote'> {
  return word !== undefined && word !== 'promote' && word in commandRegistry;
}

/** Parses the text after `/promote`; throws UsageError with the usage on bad input. */
export function parseCommand(text: string): Command {
  const words = tokenize(text.trim().replace(/^\/promote\b/, ''));
  if (words.length === 0) return { name: 'help' };
  const [first, ...rest] = words;
  if (isSubcommand(first)) return commandRegistry[first].parse(rest);
  return promoteCommand.parse(words);
}

export function runCommand(command: Command, context: CommandContext): Promise<Reply> {
  const definition = commandRegistry[command.name] as CommandDefinition;
  return definition.run(command, context);
}
