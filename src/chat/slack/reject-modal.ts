/**
 * Reject asks for a reason in a modal: the reason goes into the thread and the
 * audit record. The modal carries the promotion and channel it was opened for.
 * https://docs.slack.dev/surfaces/modals
 */
import type { ModalView } from '@slack/types';
import { z } from 'zod';

export const REJECT_CALLBACK_ID = 'baton_reject';
const REASON_BLOCK = 'reason';
const REASON_INPUT = 'reason_text';

export interface RejectTarget {
  promotionId: string;
  channel: string;
}

const targetSchema = z.object({ promotionId: z.string(), channel: z.string() });

export function rejectModal(target: RejectTarget): ModalView {
  return {
    type: 'modal',
    callback_id: REJECT_CALLBACK_ID,
    private_metadata: JSON.stringify(target),
    title: { type: 'plain_text', text: 'Reject promotion' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: REASON_BLOCK,
        label: { type: 'plain_text', text: `Why reject promotion #${target.promotionId}?` },
        element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, max_length: 2000 },
      },
    ],
  };
}

export function readRejectTarget(privateMetadata: string): RejectTarget | undefined {
  try {
    const parsed = targetSchema.safeParse(JSON.parse(privateMetadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

type ViewState = Record<string, Record<string, { value?: string | null }>>;

export function readReason(values: ViewState): string {
  return (values[REASON_BLOCK]?.[REASON_INPUT]?.value ?? '').trim();
}

/** What Slack shows under the field when the reason is missing. */
export const missingReason = {
  response_action: 'errors' as const,
  errors: { [REASON_BLOCK]: 'Give a reason: it is posted in the thread and kept in the audit record.' },
};
