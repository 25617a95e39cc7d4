import type { BundleCheck } from '../src/core/archive.ts';
import { chainVerdict } from '../src/core/evidence.ts';
import type { ArchivedPromotion } from '../src/core/model.ts';
import type { Reply } from '../src/chat/contract.ts';
import type { CommandDefinition } from './contract.ts';
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
    const archived = await context.promotions.archivedEvidence(command.id);
    if (archived) return archivedReply(archived.archived, archived.bundle);
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
          {
            type: 'code',
            text: shown.map((e) => `${e.seq}  ${formatTime(e.at)}  ${e.actor}  ${e.type}  ${e.summary}`).join('\n'),
          },
          {
            type: 'context',
            text: `${bundle.events.length > EVENTS_SHOWN ? `Last ${EVENTS_SHOWN} of ${bundle.events.length} events. ` : ''}Full bundle: GET /api/promotions/evidence?id=${promotion.id} (JSON; add &format=md for Markdown).`,
          },
        ],
      },
    };
  },
};

/** What the bot found of an archived promotion's bundle, and whether it holds. */
function bundleVerdict(archived: ArchivedPromotion, check: BundleCheck): { text: string; holds: boolean } {
  switch (check.found) {
    case 'missing':
      return {
        text: `The bundle is not at ${archived.bundle} on this bot's machine. Wherever the archive folder is kept now, \`baton verify\` checks the bundle, and its SHA-256 must be ${archived.sha256}.`,
        holds: false,
      };
    case 'changed':
      return {
        text: `The file at ${archived.bundle} is NOT the bundle that was archived: its SHA-256 is ${check.sha256}, the archive recorded ${archived.sha256}.`,
        holds: false,
      };
    case 'unreadable':
      return {
        text: `The file at ${archived.bundle} has the recorded SHA-256 but cannot be read as a bundle (${check.problem}).`,
        holds: false,
      };
    case 'intact': {
      const signature = {
        valid: "Its signature holds under this bot's key.",
        invalid: "Its signature does NOT hold under this bot's key.",
        none: 'It is not signed (the bot had no BATON_SIGNING_KEY).',
      }[check.signature];
      return {
        text: `The bundle is the one archived (its SHA-256 matches). ${chainVerdict(check.chain, check.bundle.events)} ${signature}`,
        holds: check.chain.intact && check.signature !== 'invalid',
      };
    }
  }
}

function archivedReply(archived: ArchivedPromotion, check: BundleCheck): Reply {
  const verdict = bundleVerdict(archived, check);
  const where = `Promotion #${archived.id} (${archived.environment}, ${archived.state.replace('_', ' ')}, requested by ${archived.requestedBy}) was archived on ${formatTime(archived.archivedAt)}: its ${archived.audit.count} audit records are in the evidence bundle ${archived.bundle}, SHA-256 ${archived.sha256}.`;
  return {
    visibility: 'private',
    message: {
      text: `${where} ${verdict.text}`,
      tone: verdict.holds ? 'good' : 'bad',
      blocks: [
        { type: 'header', text: `Evidence for promotion #${archived.id}: archived` },
        { type: 'text', text: where },
        { type: 'text', text: verdict.text },
        {
          type: 'context',
          text: `Check it offline: baton verify ${archived.bundle} --public-key baton.pem (the key from /api/audit/public-key).`,
        },
      ],
    },
  };
}
