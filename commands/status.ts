import { renderPromotion } from '../src/chat/render/promotion-message.ts';
import { STATE_LABEL, STATE_TONE } from '../src/chat/render/labels.ts';
import type { ChannelProblem } from '../src/chat/channel-problems.ts';
import { channelText, textMessage, type Block } from '../src/chat/message.ts';
import { isTerminal, type PromotionState } from '../src/core/model.ts';
import { describeRelease } from '../src/core/release.ts';
import type { CommandDefinition } from './contract.ts';
import { expectCount, promotionIdArgument } from './words.ts';
import { formatTime } from '../src/core/time-text.ts';

const USAGE = '/promote status [<id>]';

/** Channels whose threads wait because Baton cannot post there, each with what fixes it. */
function channelProblemsBlock(problems: ChannelProblem[]): Block {
  return {
    type: 'list',
    items: problems.map((p) => ({
      text: `Baton cannot post to ${channelText(p.channel)} (${p.reason}, since ${formatTime(p.since)}); its messages wait and nothing is lost. ${p.remedy}`,
      tone: 'warning',
    })),
  };
}

const LIVE_STATES = (Object.keys(STATE_LABEL) as PromotionState[]).filter((state) => !isTerminal(state));

export const statusCommand: CommandDefinition<'status'> = {
  name: 'status',
  usage: USAGE,
  summary: 'Show the promotions under way, or one promotion in full.',
  examples: ['/promote status', '/promote status 12'],
  parse(words) {
    expectCount(words, 0, 1, USAGE);
    return words[0] === undefined ? { name: 'status' } : { name: 'status', id: promotionIdArgument(words[0], USAGE) };
  },
  async run(command, context) {
    const failing = context.chatProblems?.() ?? [];
    if (command.id) {
      const promotion = await context.promotions.getPromotion(command.id);
      const environment = context.pipeline.environments.find((e) => e.name === promotion.environment);
      if (!environment)
        return {
          visibility: 'private',
          message: textMessage(
            `Promotion #${promotion.id} went to ${promotion.environment}, which is no longer in the pipeline.`,
          ),
        };
      const shown = renderPromotion(promotion, environment);
      const problem = failing.find((p) => p.channel === promotion.channel);
      return {
        visibility: 'private',
        message: problem ? { ...shown, blocks: [...shown.blocks, channelProblemsBlock([problem])] } : shown,
      };
    }
    const live = await context.records.listPromotions({ states: LIVE_STATES, limit: 200 });
    const problems = failing.length > 0 ? [channelProblemsBlock(failing)] : [];
    if (live.length === 0) {
      const none = textMessage('No promotion is under way. /promote history shows past ones.');
      return { visibility: 'private', message: { ...none, blocks: [...none.blocks, ...problems] } };
    }
    return {
      visibility: 'private',
      message: {
        text: `${live.length} promotion${live.length === 1 ? '' : 's'} under way`,
        tone: 'neutral',
        blocks: [
          { type: 'header', text: 'Promotions under way' },
          {
            type: 'list',
            items: live.map((p) => ({
              text: `#${p.id} ${describeRelease(p.release)} → ${p.environment}: ${STATE_LABEL[p.state]}${p.reason ? ` (${p.reason})` : ''}`,
              tone: STATE_TONE[p.state],
            })),
          },
          ...problems,
        ],
      },
    };
  },
};
