/**
 * Every error Baton raises on purpose, with a stable code. Messages say what
 * happened, why, and what to do next; they are shown to people as they are.
 */
import type { SourcePosition } from './core/model.ts';

export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  ConfigNotFound: 'config_not_found',
  CommandUsage: 'command_usage',
  NotFound: 'not_found',
  Conflict: 'conflict',
  Forbidden: 'forbidden',
  SecretMissing: 'secret_missing',
  StepTerminal: 'step_terminal',
  StepRetryable: 'step_retryable',
  StepTimeout: 'step_timeout',
  ReleaseInvalid: 'release_invalid',
  EngineUnavailable: 'engine_unavailable',
  ChatRateLimited: 'chat_rate_limited',
  ChatUnavailable: 'chat_unavailable',
  ChatChannelUnusable: 'chat_channel_unusable',
  ChatMessageGone: 'chat_message_gone',
  HandedBack: 'handed_back',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class BatonError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BatonError';
    this.code = code;
  }
}

/** How much of what someone typed a message repeats: enough to recognise it, never a whole pasted page. */
export const INPUT_SHOWN = 40;

/** What someone typed, as a message quotes it: in quotes, on one line, cut to INPUT_SHOWN characters. */
export function quoteInput(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const line = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
  return `"${line.length > INPUT_SHOWN ? `${line.slice(0, INPUT_SHOWN - 1)}…` : line}"`;
}

export interface ConfigIssue {
  position: SourcePosition;
  message: string;
}

export function formatConfigIssue(issue: ConfigIssue): string {
  const { file, line, col } = issue.position;
  return `${file}:${line}:${col}: ${issue.message}`;
}

/** All problems found in a config file at once, each with file:line:col. */
export class ConfigError extends BatonError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(ErrorCode.ConfigInvalid, `The config has ${count}:\n${issues.map(formatConfigIssue).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Bad input to a command: the message includes the usage to show. */
export class UsageError extends BatonError {
  constructor(message: string) {
    super(ErrorCode.CommandUsage, message);
    this.name = 'UsageError';
  }
}

/** The chat platform asked us to slow down (HTTP 429); try again after `retryAfterMs`. */
export class ChatRateLimitedError extends BatonError {
  readonly retryAfterMs: number;

  constructor(
    retryAfterMs: number,
    message = `The chat platform is rate limiting; retrying in ${Math.ceil(retryAfterMs / 1000)}s.`,
  ) {
    super(ErrorCode.ChatRateLimited, message);
    this.name = 'ChatRateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** The platform failed for now (a 5xx, a timeout, a dropped connection): the same call may pass later. */
export class ChatUnavailableError extends BatonError {
  constructor(what: string, options?: { cause?: unknown }) {
    super(ErrorCode.ChatUnavailable, `The chat platform is unavailable (${what}); trying again later.`, options);
    this.name = 'ChatUnavailableError';
  }
}

/**
 * Baton cannot write to a channel until someone changes something there (the
 * bot is not in it, it was archived or deleted, a permission is missing):
 * nothing is posted to it until it works again, and nothing is dropped.
 */
export class ChatChannelUnusableError extends BatonError {
  constructor(
    readonly channel: string,
    /** The platform's own word for it (`not_in_channel`, `50001 Missing Access`). */
    readonly reason: string,
    /** What a person can do about it. */
    readonly remedy: string,
    /** `thread`: only the one thread is unusable (archived, locked, deleted); the channel's other threads still take messages. */
    readonly scope: 'channel' | 'thread' = 'channel',
  ) {
    super(
      ErrorCode.ChatChannelUnusable,
      `Baton cannot post to ${scope === 'thread' ? `a thread of ${channel}` : channel}: ${reason}. ${remedy}`,
    );
    this.name = 'ChatChannelUnusableError';
  }
}

/** The message to edit is gone (deleted by someone): there is nothing left to update. */
export class ChatMessageGoneError extends BatonError {
  constructor(reason: string) {
    super(ErrorCode.ChatMessageGone, `The message to update is gone (${reason}).`);
    this.name = 'ChatMessageGoneError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
