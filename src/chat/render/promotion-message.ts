/**
 * The promotion's root message: what moves where, who asked, the policy
 * state, every step in wave order, and the buttons that fit its state. It is
 * updated in place as the promotion moves.
 */
import type { Environment, Override, Promotion } from '../../core/model.ts';
import { rollbackCandidates } from '../../core/applied-steps.ts';
import { pendingApprovers } from '../../core/approvers.ts';
import { formatDuration } from '../../durations.ts';
import { describeRelease } from '../../core/release.ts';
import type { Block, Button, ChatMessage } from '../message.ts';
import { STATE_LABEL, STATE_TONE, stepLine, stepTone, waveLists } from './labels.ts';

function policyFields(promotion: Promotion, environment: Environment): { label: string; value: string }[] {
  const fields = [
    { label: 'Requested by', value: promotion.requestedBy },
    { label: 'State', value: STATE_LABEL[promotion.state] },
  ];
  const { required, from, allowSelfApproval } = environment.approvals;
  if (required > 0) {
    const who = from.length > 0 ? ` from ${from.join(', ')}` : '';
    const by = promotion.approvals.length > 0 ? ` (${promotion.approvals.map((a) => a.user).join(', ')})` : '';
    fields.push({
      label: 'Approvals',
      value: `${promotion.approvals.length} of ${required}${who}${by}${allowSelfApproval ? '' : '; not the requester'}`,
    });
  } else {
    fields.push({ label: 'Approvals', value: 'none needed' });
  }
  if (environment.windows.length > 0)
    fields.push({ label: 'Window', value: environment.windows.map((w) => w.text).join(', ') });
  if (environment.soakMs > 0)
    fields.push({
      label: 'Soak',
      value: `${formatDuration(environment.soakMs)} in ${environment.requires.join(', ')}`,
    });
  return fields;
}

function overriddenRules(override: Override): string {
  return [override.freezeAt ? 'the freeze' : '', override.windows ? 'the promotion windows' : '']
    .filter(Boolean)
    .join(' and ');
}

function buttonsFor(promotion: Promotion): Button[] {
  if (promotion.state === 'awaiting_approval') {
    return [
      { actionId: 'approve', label: 'Approve', value: promotion.id, style: 'primary' },
      { actionId: 'reject', label: 'Reject', value: promotion.id, style: 'danger', asksForReason: true },
      ...(pendingApprovers(promotion).length > 0
        ? [{ actionId: 'remind' as const, label: 'Remind approvers', value: promotion.id }]
        : []),
    ];
  }
  if ((promotion.state === 'failed' || promotion.state === 'interrupted') && rollbackCandidates(promotion).length > 0) {
    return [{ actionId: 'rollback', label: 'Roll back', value: promotion.id, style: 'danger' }];
  }
  return [];
}

export function renderPromotion(promotion: Promotion, environment: Environment): ChatMessage {
  const title = `Promotion #${promotion.id}: ${describeRelease(promotion.release)} → ${promotion.environment}`;
  const blocks: Block[] = [{ type: 'header', text: title }];
  if (promotion.fromEnvironment) blocks.push({ type: 'context', text: `What ${promotion.fromEnvironment} runs.` });
  if (promotion.override)
    blocks.push({
      type: 'text',
      text: `⚠️ *Override* by ${promotion.override.by}: ${overriddenRules(promotion.override)} set aside: "${promotion.override.reason}"`,
    });
  blocks.push({ type: 'fields', fields: policyFields(promotion, environment) });
  for (const list of waveLists(promotion.waves, promotion.steps, (step) => ({
    text: stepLine(step),
    tone: stepTone(step),
    ...(step.preview && step.preview.details.length > 0 ? { detail: step.preview.details.join('\n') } : {}),
  }))) {
    blocks.push({ type: 'list', ...list });
  }
  const pending = promotion.state === 'awaiting_approval' ? pendingApprovers(promotion) : [];
  // User ids: each platform shows them as mentions, so the people named are told their approval is needed.
  if (pending.length > 0) blocks.push({ type: 'text', text: `Waiting for approval from ${pending.join(', ')}.` });
  if (promotion.reason) blocks.push({ type: 'context', text: promotion.reason });
  if (promotion.rejectedBy)
    blocks.push({ type: 'text', text: `Rejected by ${promotion.rejectedBy.user}: ${promotion.rejectedBy.reason}` });
  const buttons = buttonsFor(promotion);
  if (buttons.length > 0) blocks.push({ type: 'actions', buttons });
  return {
    text: `${title} — ${STATE_LABEL[promotion.state]}`,
    tone: STATE_TONE[promotion.state],
    blocks,
    ...(pending.length > 0 ? { mentions: pending } : {}),
  };
}
