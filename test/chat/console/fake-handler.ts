/**
 * A stand-in for Baton's InteractionHandler: it records every call and talks
 * to the chat the way the real bot does. `<release> to <env>` posts a plan with
 * Approve / Reject; Approve threads the steps under the plan (the later ones
 * after a delay, as a worker would) and updates the plan in place.
 */
import type { MessageRef } from '../../../src/core/model.ts';
import type {
  ChatOut,
  IncomingAction,
  IncomingCommand,
  InteractionHandler,
  Reply,
} from '../../../src/chat/contract.ts';
import { textMessage } from '../../../src/chat/message.ts';
import type { ChatMessage, Tone } from '../../../src/chat/message.ts';

export interface FakeHandlerOptions {
  /** Replaces the reply to every command that plans a promotion. */
  commandReply?: Reply;
  /** Delay between the step results posted after an approval. */
  stepDelayMs?: number;
}

interface FakePromotion {
  id: string;
  ref: MessageRef;
  release: string;
  environment: string;
  requestedBy: string;
}

const steps = ['iam', 'schema', 'api'];

export class FakeInteractionHandler implements InteractionHandler {
  readonly commands: IncomingCommand[] = [];
  readonly actions: IncomingAction[] = [];
  readonly promotions = new Map<string, FakePromotion>();
  private readonly background = new Set<Promise<void>>();
  private readonly deliveries = new Set<string>();

  constructor(
    private readonly chat: ChatOut,
    private readonly options: FakeHandlerOptions = {},
  ) {}

  async firstDelivery(deliveryId: string): Promise<boolean> {
    if (this.deliveries.has(deliveryId)) return false;
    this.deliveries.add(deliveryId);
    return true;
  }

  async command(command: IncomingCommand): Promise<Reply> {
    this.commands.push(command);
    if (command.text === 'status') {
      return { visibility: 'channel', message: textMessage('No promotions are running.') };
    }
    const match = /^(\S+) to (\S+)$/.exec(command.text);
    if (!match?.[1] || !match[2]) {
      return { visibility: 'private', message: textMessage('Usage: `/promote <release> to <env>`', 'bad') };
    }
    const promotion: Omit<FakePromotion, 'ref'> = {
      id: String(this.promotions.size + 1),
      release: match[1],
      environment: match[2],
      requestedBy: command.user,
    };
    const ref = await this.chat.post(command.channel, planMessage(promotion, 'awaiting'));
    this.promotions.set(promotion.id, { ...promotion, ref });
    return (
      this.options.commandReply ?? {
        visibility: 'private',
        message: textMessage(`Planned promotion #${promotion.id}; it needs one approval.`),
      }
    );
  }

  async action(action: IncomingAction): Promise<Reply> {
    this.actions.push(action);
    const promotion = this.promotions.get(action.value);
    if (!promotion) {
      return { visibility: 'private', message: textMessage(`No promotion #${action.value}.`, 'bad') };
    }
    if (action.actionId === 'reject') {
      const reason = action.reason ?? 'no reason given';
      await this.chat.reply(promotion.ref, textMessage(`Rejected by *${action.user}*: ${reason}`, 'bad'));
      await this.chat.update(promotion.ref, planMessage(promotion, 'rejected'));
      return { visibility: 'private', message: textMessage(`You rejected promotion #${promotion.id}.`) };
    }
    await this.chat.reply(promotion.ref, textMessage(`Approved by *${action.user}*`, 'good'));
    await this.chat.update(promotion.ref, planMessage(promotion, 'running'));
    this.runInBackground(this.runSteps(promotion));
    return { visibility: 'private', message: textMessage(`You approved promotion #${promotion.id}.`) };
  }

  /** Resolves when the step results posted after approvals are all in. */
  async settled(): Promise<void> {
    await Promise.all(this.background);
  }

  private async runSteps(promotion: FakePromotion): Promise<void> {
    for (const step of steps) {
      await delay(this.options.stepDelayMs ?? 0);
      await this.chat.reply(promotion.ref, {
        text: `${step} promoted to ${promotion.release}`,
        tone: 'good',
        blocks: [
          {
            type: 'list',
            items: [{ text: `\`${step}\` → ${promotion.release}`, tone: 'good', detail: `applied ${step}\nverified` }],
          },
        ],
      });
    }
    await this.chat.update(promotion.ref, planMessage(promotion, 'done'));
  }

  private runInBackground(work: Promise<void>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }
}

type PlanState = 'awaiting' | 'running' | 'done' | 'rejected';

const planTone: Record<PlanState, Tone> = { awaiting: 'warning', running: 'active', done: 'good', rejected: 'bad' };
const stepTone: Record<PlanState, Tone> = { awaiting: 'neutral', running: 'active', done: 'good', rejected: 'neutral' };

function planMessage(promotion: Omit<FakePromotion, 'ref'>, state: PlanState): ChatMessage {
  const title = `Promotion #${promotion.id}: ${promotion.release} → ${promotion.environment}`;
  return {
    text: title,
    tone: planTone[state],
    blocks: [
      { type: 'header', text: title },
      {
        type: 'fields',
        fields: [
          { label: 'Release', value: `\`${promotion.release}\`` },
          { label: 'Environment', value: promotion.environment },
          { label: 'Requested by', value: promotion.requestedBy },
          { label: 'State', value: state },
        ],
      },
      {
        type: 'list',
        items: steps.map((step) => ({
          text: `*${step}* → ${promotion.release}`,
          tone: stepTone[state],
          detail: `+ ${step}: ${promotion.release}`,
        })),
      },
      { type: 'context', text: 'Needs 1 approval from someone other than the requester' },
      ...(state === 'awaiting'
        ? [
            {
              type: 'actions' as const,
              buttons: [
                { actionId: 'approve' as const, label: 'Approve', value: promotion.id, style: 'primary' as const },
                {
                  actionId: 'reject' as const,
                  label: 'Reject',
                  value: promotion.id,
                  style: 'danger' as const,
                  asksForReason: true,
                },
              ],
            },
          ]
        : []),
    ],
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
