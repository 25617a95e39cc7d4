import type { ChannelProblem } from '../src/chat/channel-problems.ts';
import type { Reply } from '../src/chat/contract.ts';
import type { Pipeline } from '../src/core/model.ts';
import type { PromotionIntents } from '../src/core/intents.ts';
import type { RecordsQuery } from '../src/engine/contract.ts';
import type { Command, CommandName } from './command.ts';

/** What a command handler may use; the same on every chat platform. */
export interface CommandContext {
  user: string;
  channel: string;
  promotions: PromotionIntents;
  /** The records, to read: every change goes through `promotions`. */
  records: RecordsQuery;
  pipeline: Pipeline;
  /** Channels Baton cannot post to now (their threads wait): status names them. */
  chatProblems?: () => ChannelProblem[];
}

/** What help shows of a command. */
export interface CommandSummary {
  name: CommandName;
  usage: string;
  summary: string;
  examples: string[];
}

export interface CommandDefinition<N extends CommandName = CommandName> extends CommandSummary {
  name: N;
  /** Throws UsageError, naming what was wrong, on bad input. */
  parse(words: readonly string[]): Extract<Command, { name: N }>;
  run(command: Extract<Command, { name: N }>, context: CommandContext): Promise<Reply>;
}
