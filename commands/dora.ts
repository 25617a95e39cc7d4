import { plural } from '../src/chat/render/labels.ts';
import { DORA_DEFAULT_DAYS, DORA_MAX_DAYS } from '../src/core/dora-query.ts';
import type { DoraFigures } from '../src/core/dora.ts';
import { formatDuration } from '../src/durations.ts';
import { quoteInput, UsageError } from '../src/errors.ts';
import type { CommandDefinition } from './contract.ts';
import { expectCount, takeOptions } from './words.ts';
import { formatTime } from '../src/core/time-text.ts';

const USAGE = '/promote dora [<env>] [--days N]';

function seconds(value: number): string {
  return formatDuration(value * 1000);
}

/** One line per figure, each saying what it was computed from. */
export function doraLines(f: DoraFigures): string[] {
  const window = `in ${f.environment}`;
  return [
    `Deployment frequency: ${f.deploymentsPerDay.toFixed(2)} a day (${plural(f.deployments, 'promotion')} succeeded ${window})`,
    f.leadTimeSeconds === null
      ? `Lead time for changes: no component version reached ${f.environment} in these days`
      : `Lead time for changes: ${seconds(f.leadTimeSeconds)} (median over ${plural(f.changes, 'component version')}, from its first request into ${f.firstEnvironment} to its success ${window})`,
    f.changeFailureRate === null
      ? `Change failure rate: no promotion ran ${window} in these days`
      : `Change failure rate: ${Math.round(f.changeFailureRate * 100)}% (${f.failures} of ${plural(f.finished, 'promotion')} failed, were interrupted or were rolled back)`,
    f.timeToRestoreSeconds === null
      ? `Time to restore: ${f.unrestored > 0 ? `the failure ${window} is not restored yet` : `no failure ${window} in these days`}`
      : `Time to restore: ${seconds(f.timeToRestoreSeconds)} (median over ${plural(f.restored, 'failure')}, each to the next success${f.unrestored > 0 ? '; the last failure is not restored yet' : ''})`,
  ];
}

export const doraCommand: CommandDefinition<'dora'> = {
  name: 'dora',
  usage: USAGE,
  summary: `Show deployment frequency, lead time for changes, change failure rate and time to restore of an environment (the last one by default) over the last ${DORA_DEFAULT_DAYS} days, or N.`,
  examples: ['/promote dora', '/promote dora staging --days 7'],
  parse(words) {
    const { rest, values } = takeOptions(words, USAGE, { values: ['days'] });
    expectCount(rest, 0, 1, USAGE);
    const daysText = values.get('days');
    const days = daysText === undefined ? DORA_DEFAULT_DAYS : Number(daysText);
    if (!Number.isInteger(days) || days < 1 || days > DORA_MAX_DAYS) {
      throw new UsageError(
        `--days takes a whole number from 1 to ${DORA_MAX_DAYS}, not ${quoteInput(daysText ?? '')}.\nUsage: ${USAGE}`,
      );
    }
    return { name: 'dora', ...(rest[0] ? { environment: rest[0] } : {}), days };
  },
  async run(command, context) {
    const figures = await context.promotions.dora(command.environment, command.days);
    const query = `environment=${encodeURIComponent(figures.environment)}&days=${figures.days}`;
    return {
      visibility: 'private',
      message: {
        text: `DORA figures for ${figures.environment}, last ${plural(figures.days, 'day')}`,
        tone: 'neutral',
        blocks: [
          { type: 'header', text: `DORA figures for ${figures.environment}, last ${plural(figures.days, 'day')}` },
          { type: 'list', items: doraLines(figures).map((text) => ({ text, tone: 'neutral' as const })) },
          {
            type: 'context',
            text: `Promotions finished from ${formatTime(figures.from)} to ${formatTime(figures.to)}. As JSON: GET /api/dora?${query}`,
          },
        ],
      },
    };
  },
};
