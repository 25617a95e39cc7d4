import type { Tone } from '../src/chat/message.ts';
import { driftLine, type ComponentDrift } from '../src/core/drift.ts';
import type { CommandDefinition } from './contract.ts';
import { expectCount } from './words.ts';
import { formatTime } from '../src/core/time-text.ts';

const USAGE = '/promote drift <env>';

const TONE: Record<ComponentDrift['state'], Tone> = {
  same: 'good',
  drifted: 'warning',
  untracked: 'neutral',
  unobserved: 'neutral',
  unreadable: 'bad',
};

export const driftCommand: CommandDefinition<'drift'> = {
  name: 'drift',
  usage: USAGE,
  summary: 'Ask every target of an environment what it runs now, and mark where that is not what Baton promoted.',
  examples: ['/promote drift production'],
  parse(words) {
    expectCount(words, 1, 1, USAGE);
    return { name: 'drift', environment: words[0] ?? '' };
  },
  async run(command, context) {
    const report = await context.promotions.drift(command.environment);
    const drifted = report.components.filter((c) => c.state === 'drifted').length;
    const unreadable = report.components.filter((c) => c.state === 'unreadable').length;
    const verdict =
      drifted > 0
        ? `${report.environment} has drifted: ${drifted === 1 ? '1 target runs' : `${drifted} targets run`} something else than Baton promoted.`
        : `${report.environment} runs what Baton promoted${unreadable > 0 ? `, as far as Baton could read (${unreadable === 1 ? '1 target' : `${unreadable} targets`} could not be read)` : ''}.`;
    return {
      visibility: 'private',
      message: {
        text: verdict,
        tone: drifted > 0 ? 'warning' : unreadable > 0 ? 'neutral' : 'good',
        blocks: [
          { type: 'header', text: `Drift in ${report.environment}` },
          { type: 'text', text: verdict },
          { type: 'list', items: report.components.map((c) => ({ text: driftLine(c), tone: TONE[c.state] })) },
          {
            type: 'context',
            text: `Read from the targets at ${formatTime(report.at)}.${report.changingBy ? ` Promotion #${report.changingBy} is using ${report.environment} now: what it is changing may show as drift until it finishes.` : ''}`,
          },
        ],
      },
    };
  },
};
