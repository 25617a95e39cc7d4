import { chainVerdict } from '../src/core/evidence.ts';
import type { CommandDefinition } from './definition.ts';
import { expectCount, promotionIdArgument } from './words.ts';
import { formatTime } from '../src/core/time-text.ts';

const USAGE = '/promote audit <id>';
const EVENTS_SHOWN = 40;

export const auditCommand: CommandDefinition<'audit'> = {
  name: 'audit',
  usage: USAGE,
  summary: 'Show the evidence of a promotion: every event, who and when, and whether the hash chain holds.',
  examples: ['/promote audit 12'],
  parse(words) {
    expectCount(words, 1, 1, USAGE);
    return { name: 'audit', id: promotionIdArgument(words[0], USAGE) };
  },
  async run(command, context) {
    const bundle = await context.promotions.evidence(command.id);
    const { promotion } = bundle;
    const shown = bundle.events.slice(-EVENTS_SHOWN);
    return {
      visibility: 'private',
      message: {
        text: `Evidence for promotion #${promotion.id}: ${chainVerdict(bundle.chain, bundle.events)}`,
        tone: bundle.chain.intact ? 'good' : 'bad',
        blocks: [
          { type: 'header', text: `Evidence for promotion #${promotion.id}` },
          { type: 'text', text: chainVerdict(bundle.chain, bundle.events) },
          { type: 'code', text: shown.map((e) => `${e.seq}  ${formatTime(e.at)}  ${e.actor}  ${e.type}  ${e.summary}`).join('\n') },
          {
            type: 'context',
            text: `${bundle.events.length > EVENTS_SHOWN ? `Last ${EVENTS_SHOWN} of ${bundle.events.length} events. ` : ''}Full bundle: GET /api/promotions/evidence?id=${promotion.id} (JSON; add &format=md for Markdown).`,
          },
        ],
      },
    };
  },
};
