/** Words and tones for states, shared by every rendering of a promotion. */
import type { PromotionState, Step, StepStatus } from '../../core/model.ts';
import type { Tone } from '../message.ts';

export const STATE_LABEL: Record<PromotionState, string> = {
  planning: 'planning…',
  awaiting_approval: 'awaiting approval',
  approved: 'approved, waiting to start',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  rolling_back: 'rolling back',
  rolled_back: 'rolled back',
  interrupted: 'interrupted',
};

export const STATE_TONE: Record<PromotionState, Tone> = {
  planning: 'active',
  awaiting_approval: 'warning',
  approved: 'active',
  running: 'active',
  succeeded: 'good',
  failed: 'bad',
  rejected: 'neutral',
  rolling_back: 'active',
  rolled_back: 'warning',
  interrupted: 'bad',
};

const STEP_TONE: Record<StepStatus, Tone> = {
  pending: 'neutral',
  queued: 'neutral',
  running: 'active',
  succeeded: 'good',
  failed: 'bad',
  skipped: 'neutral',
  rolling_back: 'active',
  rolled_back: 'warning',
  rollback_failed: 'bad',
};

export function stepTone(step: Step): Tone {
  return STEP_TONE[step.status];
}

/** Steps that have not started: their preview still says what they will do. */
const NOT_STARTED: readonly StepStatus[] = ['pending', 'queued'];

export function stepLine(step: Step): string {
  const change =
    step.previousVersion && step.previousVersion !== step.version
      ? `${step.previousVersion} → ${step.version}`
      : step.version;
  const mark = step.preview ? (step.preview.reversible ? 'reversible' : '*irreversible*') : '';
  // A preview speaks of the future ("will run: …"); once the step has run, its thread says what it did.
  const summary = step.preview?.summary && NOT_STARTED.includes(step.status) ? ` — ${step.preview.summary}` : '';
  const status = step.status === 'pending' ? '' : ` [${step.status.replace('_', ' ')}]`;
  return `\`${step.component}\` ${change} (${step.adapter}${mark ? `, ${mark}` : ''})${summary}${status}`;
}

/** The steps of each wave as one list headed "Wave 1", "Wave 2"…; one wave needs no heading. */
export function waveLists<T>(
  waves: readonly (readonly string[])[],
  steps: readonly Step[],
  item: (step: Step) => T,
): { title?: string; items: T[] }[] {
  const lists = waves.map((_, index) => ({
    title: `Wave ${index + 1}`,
    items: steps.filter((step) => step.wave === index).map(item),
  }));
  if (lists.length <= 1) return [{ items: steps.map(item) }];
  return lists;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
