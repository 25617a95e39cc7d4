/**
 * A slash command's immediate answer: what the app puts in its acknowledgement
 * (the body of its HTTP 200, or the payload of its Socket Mode ack). Slack
 * shows it as it would a POST to the command's response_url: to the person who
 * ran the command only (the default), or in the channel with
 * `response_type: in_channel`. An empty acknowledgement shows nothing, and an
 * answer whose content Slack refuses (oversized blocks, say) is not shown.
 */
import { SlackApiError } from './api-error.ts';
import { checkedContent, fullContent } from './message-content.ts';
import type { Args } from './request-body.ts';
import type { StandInState } from './state.ts';

export interface CommandOrigin {
  user: string;
  channel: string;
}

/** Reads an HTTP acknowledgement's body as Slack does: JSON when it parses, otherwise the text itself. */
export function answerOfBody(body: string): Args | undefined {
  if (body.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Args;
  } catch {
    // Plain text is an answer too.
  }
  return { text: body };
}

export function showCommandAnswer(state: StandInState, origin: CommandOrigin, answer: Args | undefined): void {
  if (!answer || Object.keys(answer).length === 0) return;
  let content;
  try {
    content = fullContent(checkedContent(answer, true));
  } catch (error) {
    if (error instanceof SlackApiError) return;
    throw error;
  }
  const channel = state.workspace.channelId(origin.channel);
  if (answer.response_type === 'in_channel') {
    state.messages.post(channel, content, {
      via: 'command_answer',
      user: state.workspace.botUserId,
      botId: state.workspace.botId,
    });
  } else {
    state.messages.addEphemeral({ ...content, channel, user: origin.user, via: 'command_answer' });
  }
}
