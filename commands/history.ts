import { plural, STATE_LABEL, STATE_TONE } from '../src/chat/render/labels.ts';
import { formatTime } from '../src/core/time-text.ts';
import { textMessage } from '../src/chat/message.ts';
import { describeRelease } from '../src/core/release.ts';
import { environmentIn } from '../src/core/runtime.ts';
import { quoteInput, UsageError } from '../src/errors.ts';
import type { CommandDefinition } from './contract.ts';
import { expectCount, takeOptions } from './words.ts';

const USAGE = '/promote history [<env>] [--limit N] [--before <id>]';
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;

export const historyCommand: CommandDefinition<'history'> = {
  name: 'history',
  usage: USAGE,
  summary: 'List past promotions, newest first, optionally for one environment; --before pages back.',
  examples: ['/promote history', '/promote history production --limit 20', '/promote history production --before 4211'],
  parse(words) {
    const { rest, values } = takeOptions(words, USAGE, { values: ['limit', 'before'] });
    expectCount(rest, 0, 1, USAGE);
    const limitText = values.get('limit');
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new UsageError(
        `--limit takes a whole number from 1 to ${MAX_LIMIT}, not ${quoteInput(limitText ?? '')}.\nUsage: ${USAGE}`,
      );
    }
    const beforeText = values.get('before');
    const before = beforeText?.replace(/^#/, '');
    if (before !== undefined && !/^[1-9][0-9]{0,17}$/.test(before)) {
      throw new UsageError(
        `--before takes a promotion id (the last one of the page before, like 4211), not ${quoteInput(beforeText ?? '')}.\nUsage: ${USAGE}`,
      );
    }
    return { name: 'history', ...(rest[0] ? { environment: rest[0] } : {}), limit, ...(before ? { before } : {}) };
  },
  async run(command, context) {
    if (command.environment) environmentIn(context.pipeline, command.environment);
    const promotions = await context.records.listPromotions({
      ...(command.environment ? { environment: command.environment } : {}),
      ...(command.before ? { before: command.before } : {}),
      limit: command.limit,
    });
    const scope = command.environment ? ` in ${command.environment}` : '';
    if (promotions.length === 0)
      return {
        visibility: 'private',
        message: textMessage(
          command.before ? `No promotions${scope} before #${command.before}.` : `No promotions${scope} yet.`,
        ),
      };
    const last = promotions.at(-1);
    // A full page may have more behind it: say how to ask for it.
    const older =
      promotions.length === command.limit && last
        ? `Older: /promote history${command.environment ? ` ${command.environment}` : ''} --limit ${command.limit} --before ${last.id}`
        : undefined;
    return {
      visibility: 'private',
      message: {
        text: `${command.before ? `${plural(promotions.length, 'promotion')} before #${command.before}` : `Last ${plural(promotions.length, 'promotion')}`}${scope}`,
        tone: 'neutral',
        blocks: [
          { type: 'header', text: `History${scope}` },
          {
            type: 'list',
            items: promotions.map((p) => ({
              text: `#${p.id} ${describeRelease(p.release)} → ${p.environment}: ${STATE_LABEL[p.state]} · ${p.requestedBy} · ${formatTime(p.finishedAt ?? p.requestedAt)}`,
              tone: STATE_TONE[p.state],
            })),
          },
          ...(older ? [{ type: 'context' as const, text: older }] : []),
        ],
      },
    };
  },
};
