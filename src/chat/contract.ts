/**
 * What a chat platform provides: a way to post and thread messages (ChatOut)
 * and a Receiver that turns its commands and button clicks into calls on an
 * InteractionHandler. A platform knows nothing of adapters or engines.
 */
import type { MessageRef } from '../core/model.ts';
import type { ActionId, ChatMessage } from './message.ts';

export interface ChatOut {
  post(channel: string, message: ChatMessage): Promise<MessageRef>;
  update(ref: MessageRef, message: ChatMessage): Promise<void>;
  reply(thread: MessageRef, message: ChatMessage): Promise<MessageRef>;
  /** Whether the message goes whole in one of the platform's messages, with nothing summarised or attached as a file. */
  fits(message: ChatMessage): boolean;
}

export interface IncomingCommand {
  user: string;
  channel: string;
  /** The text after `/promote`. */
  text: string;
}

export interface IncomingAction {
  user: string;
  channel: string;
  actionId: ActionId;
  value: string;
  /** Given when the button asked for one (Reject). */
  reason?: string;
}

export interface Reply {
  message: ChatMessage;
  /** `private`: only the person who asked sees it (usage errors, refusals). */
  visibility: 'private' | 'channel';
}

export interface InteractionHandler {
  command(command: IncomingCommand): Promise<Reply>;
  action(action: IncomingAction): Promise<Reply>;
  /**
   * False when a request with this delivery id (a platform's own id for one
   * delivery, kept on its retries) was already taken, by this bot or another.
   */
  firstDelivery(deliveryId: string): Promise<boolean>;
}

export interface Receiver {
  start(handler: InteractionHandler): Promise<void>;
  stop(): Promise<void>;
}
