/**
 * What a POST to a response_url does. Slack serves these from its webhook
 * host, which answers failures with a 4xx status (so Bolt's `respond()`, which
 * only looks at the status, rejects), not with HTTP 200 `ok: false` as the
 * Web API does:
 *   - ephemeral (the default) → an ephemeral message to the user the URL was made for;
 *   - `response_type: in_channel` → a message in the channel (in the thread, if any);
 *   - `replace_original` → replaces the message the interaction came from, or for a
 *     slash command the previous answer sent through the same URL;
 *   - `delete_original` → deletes that message.
 * The content goes through the same checks as chat.postMessage.
 */
import { SlackApiError } from './api-error.ts';
import { checkedContent, fullContent } from './message-content.ts';
import type { EphemeralMessage, MessageContent, PostedMessage } from './messages.ts';
import type { Args } from './request-body.ts';
import type { ResponseUrlRecord } from './response-urls.ts';
import type { StandInState } from './state.ts';

export interface RecordedResponse {
  /** The response_url it was posted to. */
  url: string;
  body: unknown;
  status: number;
  answer: Record<string, unknown>;
  at: number;
}

export interface ResponseAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** What each URL last posted, for a slash command's `replace_original`. */
const lastAnswers = new WeakMap<ResponseUrlRecord, { ephemeral?: EphemeralMessage; message?: PostedMessage }>();

function original(
  state: StandInState,
  record: ResponseUrlRecord,
): { ephemeral?: EphemeralMessage; message?: PostedMessage } {
  if (record.messageTs === undefined) return lastAnswers.get(record) ?? {};
  if (record.messageIsEphemeral) {
    const ephemeral = state.messages.ephemerals.find(
      (candidate) => candidate.ts === record.messageTs && !candidate.deleted,
    );
    return ephemeral ? { ephemeral } : {};
  }
  const message = state.messages.find(record.channel, record.messageTs);
  return message ? { message } : {};
}

function failure(status: number, error: SlackApiError | string): ResponseAnswer {
  return { status, body: typeof error === 'string' ? { ok: false, error } : error.body() };
}

export function answerResponseUrl(state: StandInState, id: string, raw: Buffer): ResponseAnswer {
  const usable = state.responseUrls.check(id);
  if (!usable.ok) return failure(404, usable.error);
  const record = usable.record;
  let body: Args;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return failure(400, 'invalid_payload');
    body = parsed as Args;
  } catch {
    return failure(400, 'invalid_payload');
  }
  const deleting = body.delete_original === true || body.delete_original === 'true';
  const replacing = body.replace_original === true || body.replace_original === 'true';
  let content: MessageContent | undefined;
  if (!deleting) {
    try {
      content = fullContent(checkedContent(body, true));
    } catch (error) {
      if (error instanceof SlackApiError) return failure(400, error);
      throw error;
    }
  }
  state.responseUrls.consume(record);
  if (deleting || replacing) {
    const target = original(state, record);
    if (!target.message && !target.ephemeral) return failure(404, 'message_not_found');
    if (deleting) {
      if (target.message) state.messages.delete(target.message);
      if (target.ephemeral) target.ephemeral.deleted = true;
    } else if (content) {
      if (target.message) state.messages.update(target.message, content);
      if (target.ephemeral) {
        Object.assign(target.ephemeral, content);
        target.ephemeral.edits += 1;
      }
    }
    return { status: 200, body: { ok: true } };
  }
  if (!content) return { status: 200, body: { ok: true } };
  const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : record.threadTs;
  if (body.response_type === 'in_channel') {
    const message = state.messages.post(record.channel, content, {
      ...(threadTs === undefined ? {} : { threadTs }),
      via: 'response_url',
      user: state.workspace.botUserId,
      botId: state.workspace.botId,
    });
    lastAnswers.set(record, { message });
  } else {
    const ephemeral = state.messages.addEphemeral({
      ...content,
      channel: record.channel,
      user: record.user,
      ...(threadTs === undefined ? {} : { threadTs }),
      via: 'response_url',
    });
    lastAnswers.set(record, { ephemeral });
  }
  return { status: 200, body: { ok: true } };
}
