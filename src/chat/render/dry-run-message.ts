import type { DryRunPlan } from '../../core/dry-run.ts';
import { describeRelease } from '../../core/release.ts';
import type { Block, ChatMessage } from '../message.ts';
import { plural, stepLine } from './labels.ts';

/** A plan shown but not created: steps, previews, and whether policy would let it through. */
export function renderDryRun(plan: DryRunPlan): ChatMessage {
  const title = `Dry run: ${describeRelease(plan.release)} → ${plan.environment}`;
  const blocked = plan.checks.filter((c) => !c.passed);
  const blocks: Block[] = [
    { type: 'header', text: title },
    { type: 'context', text: `${plural(plan.steps.length, 'step')} in ${plural(plan.waves.length, 'wave')}. Nothing was changed or requested.` },
    {
      type: 'list',
      items: plan.steps.map((step) => {
        const error = plan.previewErrors[step.component];
        return {
          text: `${step.wave + 1}. ${stepLine(step)}${error ? ` — preview failed: ${error}` : ''}`,
          tone: error ? 'bad' : 'neutral',
          ...(step.preview && step.preview.details.length > 0 ? { detail: step.preview.details.join('\n') } : {}),
        };
      }),
    },
    {
      type: 'list',
      items: plan.checks.map((check) => ({ text: `${check.rule}: ${check.message}`, tone: check.passed ? 'good' : 'bad' })),
    },
  ];
  const verdict = blocked.length > 0 ? `Policy would refuse it (${blocked.map((c) => c.rule).join(', ')}).` : 'Policy would allow it.';
  blocks.push({ type: 'text', text: verdict });
  return { text: `${title}: ${verdict}`, tone: blocked.length > 0 ? 'warning' : 'neutral', blocks };
}
