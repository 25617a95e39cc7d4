/** The modal Reject opens: one required reason, sent back with the promotion id in its custom_id. */
import {
  ComponentType,
  InteractionResponseType,
  TextInputStyle,
  type APIInteractionResponse,
  type APIModalSubmission,
} from 'discord.js';

const REJECT_MODAL_PREFIX = 'baton:reject-reason:';
const REASON_INPUT_ID = 'reason';

export function rejectModal(promotionId: string): APIInteractionResponse {
  return {
    type: InteractionResponseType.Modal,
    data: {
      custom_id: `${REJECT_MODAL_PREFIX}${promotionId}`,
      title: `Reject promotion #${promotionId}`.slice(0, 45),
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.TextInput,
              custom_id: REASON_INPUT_ID,
              label: 'Why? It goes into the audit log.',
              style: TextInputStyle.Paragraph,
              required: true,
              min_length: 1,
              max_length: 1000,
            },
          ],
        },
      ],
    },
  };
}

/** The promotion and reason of a submitted reject modal; undefined for any other modal. */
export function readRejectModal(submission: APIModalSubmission): { promotionId: string; reason: string } | undefined {
  if (!submission.custom_id.startsWith(REJECT_MODAL_PREFIX)) return undefined;
  const promotionId = submission.custom_id.slice(REJECT_MODAL_PREFIX.length);
  const reason = submission.components
    .flatMap((row) => ('components' in row ? row.components : []))
    .find((input) => input.custom_id === REASON_INPUT_ID)?.value;
  return { promotionId, reason: reason?.trim() ?? '' };
}
