/**
 * What each Discord answer means for Baton, in one place, as for Slack: try
 * again later (a 5xx or a timeout the REST client already retried), stop
 * posting to the channel until someone fixes it (Missing Access, an archived
 * thread …), the message to edit is gone, or the message itself cannot be
 * shown (the caller posts it smaller). Rate limits never get here: the REST
 * client waits them out per bucket.
 * https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
 */
import { DiscordAPIError, HTTPError } from 'discord.js';
import { ChatChannelUnusableError, ChatMessageGoneError, ChatUnavailableError } from '../../errors.ts';

/** Codes for a body Discord will not take as it is. */
export const UNRENDERABLE = new Set([50035, 50006, 40005]);

/** What only the one thread suffers when a reply in it fails so: its channel's other threads still take messages. */
const THREAD_ONLY = new Set([10003, 50083, 160005]);

const CHANNEL_UNUSABLE: Record<number, { reason: string; remedy: string }> = {
  10003: {
    reason: 'Unknown Channel',
    remedy: "Check the environment's channel in the config (a #name or the channel's id).",
  },
  50001: {
    reason: 'Missing Access',
    remedy: "Give the bot View Channel and Send Messages there (its role, or the channel's permissions).",
  },
  50013: {
    reason: 'Missing Permissions',
    remedy:
      'Give the bot Send Messages, Create Public Threads, Send Messages in Threads, Embed Links and Attach Files there.',
  },
  50083: { reason: 'thread archived', remedy: 'Unarchive the thread (or give the bot Manage Threads to do it).' },
  160005: { reason: 'thread locked', remedy: 'Unlock the thread.' },
};

const MESSAGE_GONE = 10008;

/** Failures before any answer: a timeout (the client aborts after 15 s) or a dropped connection. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'AbortError' ||
    error.name === 'TimeoutError' ||
    error.message === 'fetch failed' ||
    (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code))
  );
}

/**
 * Baton's error for a failed call, or undefined when Discord refused the body
 * (the caller sends it again smaller). Anything else goes on as it is, for the
 * outbox to try later.
 */
export function translateDiscordError(
  error: unknown,
  channel: string,
  kind: 'post' | 'update',
  where: 'channel' | 'thread' = 'channel',
): Error | undefined {
  if (error instanceof HTTPError)
    return new ChatUnavailableError(`Discord answered HTTP ${error.status}`, { cause: error });
  if (isNetworkFailure(error)) return new ChatUnavailableError('no answer from Discord', { cause: error });
  if (!(error instanceof DiscordAPIError)) return error instanceof Error ? error : new Error(String(error));
  const code = Number(error.code);
  if (UNRENDERABLE.has(code)) return undefined;
  const unusable = CHANNEL_UNUSABLE[code];
  if (unusable)
    return new ChatChannelUnusableError(
      channel,
      `${code} ${unusable.reason}`,
      unusable.remedy,
      where === 'thread' && THREAD_ONLY.has(code) ? 'thread' : 'channel',
    );
  if (error.status === 401)
    return new ChatChannelUnusableError(
      channel,
      '401 Unauthorized',
      'Set DISCORD_TOKEN to the bot token from the application\'s "Bot" page.',
    );
  if (kind === 'update' && code === MESSAGE_GONE) return new ChatMessageGoneError(`${code} Unknown Message`);
  return error;
}
