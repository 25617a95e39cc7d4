import { renderPromotion } from '../src/chat/render/promotion-message.ts';
import { STATE_LABEL, STATE_TONE } from '../src/chat/render/labels.ts';
import { textMessage } from '../src/chat/message.ts';
import { isTerminal, type PromotionState } from '../src/core/model.ts';
import { describeRelease } from '../src/core/release.ts';
import type { CommandDefinition } from './definition.ts';
import { expectCount, promotionIdArgument } from './words.ts';

const USAGE = '/promote status [<id>]';

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
    if (command.id) {
      const promotion = await context.promotions.getPromotion(command.id);
      const environment = context.pipeline.environments.find((e) => e.name === promotion.environment);
      if (!environment) return { visibility: 'private', message: textMessage(`Promotion #${promotion.id} went to ${promotion.environment}, which is no longer in the pipeline.`) };
      return { visibility: 'private', message: renderPromotion(promotion, environment) };
    }
    const live = await context.store.listPromotions({ states: LIVE_STATES, limit: 200 });
    if (live.length === 0) return { visibility: 'private', message: textMessage('No promotion is under way. /promote history shows past ones.') };
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
        ],
      },
    };
  },
};
