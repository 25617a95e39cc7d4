import { textMessage } from '../src/chat/message.ts';
import type { ComponentDrift, DriftReport } from '../src/core/drift.ts';
import { environmentIn } from '../src/core/runtime.ts';
import type { CommandDefinition } from './contract.ts';
import { expectCount } from './words.ts';

const USAGE = '/promote diff <envA> <envB>';

/** What one environment's target says against its ledger, when that is worth a mark. */
function liveMark(report: DriftReport, component: string): string | undefined {
  const drift: ComponentDrift | undefined = report.components.find((c) => c.component === component);
  if (drift?.state === 'drifted') return `${report.environment}'s target runs ${drift.observed} (drift)`;
  if (drift?.state === 'unreadable') return `${report.environment}'s target could not be read`;
  return undefined;
}

export const diffCommand: CommandDefinition<'diff'> = {
  name: 'diff',
  usage: USAGE,
  summary:
    'Show what two environments run side by side, by the ledger and by asking their targets; differences and live drift are marked.',
  examples: ['/promote diff staging production'],
  parse(words) {
    expectCount(words, 2, 2, USAGE);
    return { name: 'diff', from: words[0] ?? '', to: words[1] ?? '' };
  },
  async run(command, context) {
    for (const name of [command.from, command.to]) environmentIn(context.pipeline, name);
    const [from, to, fromLive, toLive] = await Promise.all([
      context.records.getLedger(command.from),
      context.records.getLedger(command.to),
      context.promotions.drift(command.from),
      context.promotions.drift(command.to),
    ]);
    const drifted = (report: DriftReport, component: string) =>
      report.components.some((c) => c.component === component && c.state === 'drifted');
    const components = context.pipeline.components
      .map((c) => c.name)
      .filter((c) => from[c] || to[c] || drifted(fromLive, c) || drifted(toLive, c));
    if (components.length === 0)
      return {
        visibility: 'private',
        message: textMessage(`Neither ${command.from} nor ${command.to} runs anything Baton promoted yet.`),
      };
    return {
      visibility: 'private',
      message: {
        text: `${command.from} vs ${command.to}`,
        tone: 'neutral',
        blocks: [
          { type: 'header', text: `${command.from} ⇄ ${command.to}` },
          {
            type: 'list',
            items: components.map((component) => {
              const a = from[component]?.version ?? '—';
              const b = to[component]?.version ?? '—';
              const marks = [liveMark(fromLive, component), liveMark(toLive, component)].filter((m) => m !== undefined);
              const live = marks.length > 0 ? ` · ${marks.join(' · ')}` : '';
              const tone = marks.length > 0 || a !== b ? ('warning' as const) : ('good' as const);
              return {
                text: a === b ? `\`${component}\` ${a} (same)${live}` : `\`${component}\` ${a} ≠ ${b}${live}`,
                tone,
              };
            }),
          },
          {
            type: 'context',
            text: 'Versions are what Baton promoted; a mark says where a target runs something else now. /promote drift <env> shows every target.',
          },
        ],
      },
    };
  },
};
