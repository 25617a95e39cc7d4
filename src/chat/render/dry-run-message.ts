import type { DryRunPlan } from '../../core/dry-run.ts';
import { describeRelease } from '../../core/release.ts';
import type { Block, ChatMessage } from '../message.ts';
import { plural, stepLine, waveLists } from './labels.ts';

/** A plan shown but not created: steps, previews, and whether policy would let it through. */
export function renderDryRun(plan: DryRunPlan): ChatMessage {
  const title = `Dry run: ${describeRelease(plan.release)} → ${plan.environment}`;
  const blocked = plan.checks.filter((c) => !c.passed);
  const blocks: Block[] = [
    { type: 'header', text: title },
    {
      type: 'context',
      text: `${plural(plan.steps.length, 'step')} in ${plural(plan.waves.length, 'wave')}. Nothing was changed or requested.`,
    },
    ...waveLists(plan.waves, plan.steps, (step) => {
      const error = plan.previewErrors[step.component];
      return {
        text: `${stepLine(step)}${error ? ` — preview failed: ${error}` : ''}`,
        tone: error ? ('bad' as const) : ('neutral' as const),
        ...(step.preview && step.preview.details.length > 0 ? { detail: step.preview.details.join('\n') } : {}),
      };
    }).map((list): Block => ({ type: 'list', ...list })),
    {
      type: 'list',
      items: plan.checks.map((check) => ({
        text: `${check.rule}: ${check.message}`,
        tone: check.passed ? 'good' : 'bad',
      })),
    },
  ];
  const verdict =
    blocked.length > 0
      ? `Policy would refuse it (${blocked.map((c) => c.rule).join(', ')}).`
      : 'Policy would allow it.';
  blocks.push({ type: 'text', text: verdict });
  return { text: `${title}: ${verdict}`, tone: blocked.length > 0 ? 'warning' : 'neutral', blocks };
}
