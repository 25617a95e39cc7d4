/**
 * Turns a platform's commands and button clicks into core calls, the same on
 * every platform. Expected problems become a private reply that says what to
 * do; unexpected ones are logged and answered without a stack trace.
 */
import { parseCommand, runCommand } from '../../commands/registry.ts';
import type { CommandContext } from '../../commands/contract.ts';
import type { Pipeline } from '../core/model.ts';
import type { Logger } from '../core/capabilities.ts';
import type { ActionOutcome, PromotionIntents } from '../core/intents.ts';
import type { Store } from '../engine/contract.ts';
import { BatonError } from '../errors.ts';
import type { ChannelProblem } from './channel-problems.ts';
import type { IncomingAction, IncomingCommand, InteractionHandler, Reply } from './contract.ts';
import { textMessage } from './message.ts';

export interface InteractionDeps {
  promotions: PromotionIntents;
  store: Store;
  pipeline: Pipeline;
  logger: Logger;
  /** Channels the outbox cannot post to now, for /promote status. */
  chatProblems?: () => ChannelProblem[];
}

/** Platforms retry within minutes (Slack: three times, over about an hour at most for events); ten minutes covers commands and clicks. */
const DELIVERY_MEMORY_MS = 10 * 60_000;

function privateReply(text: string, tone: 'warning' | 'bad' | 'good' | 'active' = 'warning'): Reply {
  return { visibility: 'private', message: textMessage(text, tone) };
}

function actOn(promotions: PromotionIntents, action: IncomingAction): Promise<ActionOutcome> {
  switch (action.actionId) {
    case 'approve':
      return promotions.approve(action.value, action.user);
    case 'reject':
      return promotions.reject(action.value, action.user, action.reason ?? '');
    case 'rollback':
      return promotions.rollback(action.value, action.user);
    case 'remind':
      return promotions.remindApprovers(action.value, action.user);
  }
}

export function createInteractionHandler(deps: InteractionDeps): InteractionHandler {
  const answerFailure = (error: unknown, what: string): Reply => {
    if (error instanceof BatonError) return privateReply(error.message);
    deps.logger.error({ err: error }, `${what} failed`);
    return privateReply(
      `Something went wrong while handling that ${what}; it was logged. Try again, and if it keeps failing, check Baton's log.`,
      'bad',
    );
  };

  return {
    firstDelivery: (deliveryId) => deps.store.claimOnce(`chat-delivery:${deliveryId}`, DELIVERY_MEMORY_MS),

    async command(command: IncomingCommand): Promise<Reply> {
      try {
        const parsed = parseCommand(command.text);
        const context: CommandContext = {
          user: command.user,
          channel: command.channel,
          promotions: deps.promotions,
          records: deps.store,
          pipeline: deps.pipeline,
          ...(deps.chatProblems ? { chatProblems: deps.chatProblems } : {}),
        };
        return await runCommand(parsed, context);
      } catch (error) {
        return answerFailure(error, 'command');
      }
    },

    async action(action: IncomingAction): Promise<Reply> {
      try {
        const outcome = await actOn(deps.promotions, action);
        return privateReply(outcome.message, outcome.ok ? 'good' : 'warning');
      } catch (error) {
        return answerFailure(error, 'button click');
      }
    },
  };
}
