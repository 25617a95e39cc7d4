/**
 * What each Slack answer means for Baton, in one place: wait and try again
 * (a 429, a 5xx, a timeout), stop posting to the channel until someone fixes
 * it (`not_in_channel`, `is_archived` …), the message to edit is gone, or the
 * message itself cannot be shown (the caller posts it smaller).
 * https://api.slack.com/methods/chat.postMessage#errors
 */
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import {
  ChatChannelUnusableError,
  ChatMessageGoneError,
  ChatRateLimitedError,
  ChatUnavailableError,
} from '../../errors.ts';

export function isRateLimited(error: unknown): error is WebAPIRateLimitedError {
  return error instanceof WebAPIRateLimitedError;
}

export function retryAfterMs(error: unknown): number {
  return Math.max(1, isRateLimited(error) ? error.retryAfter : 1) * 1000;
}

/** Slack's own error string (`not_in_channel`), if it gave one. */
export function slackError(error: unknown): string | undefined {
  return error instanceof WebAPIPlatformError ? error.data.error : undefined;
}

/** Errors that mean "these blocks cannot be shown", not "try later". */
const UNRENDERABLE = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'too_many_attachments',
  'invalid_attachments',
]);

/** Errors that hold every message to a channel back, with what fixes each. */
const CHANNEL_UNUSABLE: Record<string, string> = {
  not_in_channel: 'Invite the bot to the channel (/invite @Baton); the thread catches up then.',
  channel_not_found: "Check the environment's channel in the config, and invite the bot if the channel is private.",
  is_archived: "Unarchive the channel, or point the environment's channel at another one.",
  restricted_action: 'A workspace admin restricts posting there; ask them to let the bot post.',
  missing_scope: 'Give the app the chat:write scope and reinstall it to the workspace.',
  not_authed: 'Set SLACK_BOT_TOKEN to the bot token of the installed app.',
  invalid_auth: 'Set SLACK_BOT_TOKEN to the bot token of the installed app.',
  token_revoked: 'The app was uninstalled or its token revoked: reinstall it and set the new SLACK_BOT_TOKEN.',
  account_inactive: 'The app was uninstalled or its token revoked: reinstall it and set the new SLACK_BOT_TOKEN.',
};

/** Slack's word for "failed on our side, try again". */
const TEMPORARY = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** Errors of chat.update that mean the message is not there to edit. */
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/**
 * Baton's error for a failed call, or undefined when Slack could not render
 * the message (the caller sends it again smaller). Errors Slack documents
 * for nothing here go on as they are, for the outbox to try later.
 */
export function translateSlackError(error: unknown, channel: string, kind: 'post' | 'update'): Error | undefined {
  if (isRateLimited(error)) return new ChatRateLimitedError(retryAfterMs(error));
  if (error instanceof WebAPIRequestError) return new ChatUnavailableError('no answer from Slack', { cause: error });
  if (error instanceof WebAPIHTTPError)
    return new ChatUnavailableError(`Slack answered HTTP ${error.statusCode}`, { cause: error });
  const code = slackError(error);
  if (!code) return error instanceof Error ? error : new Error(String(error));
  if (UNRENDERABLE.has(code)) return undefined;
  const remedy = CHANNEL_UNUSABLE[code];
  if (remedy) return new ChatChannelUnusableError(channel, code, remedy);
  if (TEMPORARY.has(code)) return new ChatUnavailableError(code, { cause: error });
  if (kind === 'update' && MESSAGE_GONE.has(code)) return new ChatMessageGoneError(code);
  return error instanceof Error ? error : new Error(code);
}
