/**
 * Slack settings from the environment. Over HTTP Baton needs the bot token and
 * the signing secret; without a public URL, an app-level token (Socket Mode)
 * replaces the signing secret. SLACK_API_URL points at GovSlack or a proxy.
 */
import { BatonError, ErrorCode } from '../../errors.ts';
import type { ChatPace } from '../pace.ts';

/** Where Slack sends commands and clicks over HTTP (the request URL in the app manifest). */
export const SLACK_EVENTS_PATH = '/slack/events';

export type SlackConnection = { mode: 'http'; signingSecret: string } | { mode: 'socket'; appToken: string };

export interface SlackSettings {
  botToken: string;
  connection: SlackConnection;
  /** Ends with a slash, as Slack's Web API client expects. */
  apiUrl: string;
  /** How fast Baton writes to Slack. */
  pace: ChatPace;
}

/**
 * Slack allows about one message a second per channel, with short bursts it
 * does not size; chat.update is Tier 3 (about 50 a minute) per workspace.
 * A root message is edited at most every 5 s: two busy promotions stay well
 * inside Tier 3, and a 429 past it is still waited out.
 */
export const SLACK_PACE: ChatPace = {
  channel: { burst: 3, perSecond: 1 },
  updates: { burst: 10, perSecond: 45 / 60 },
  rootEveryMs: 5_000,
};

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

function invalid(message: string): BatonError {
  return new BatonError(ErrorCode.ConfigInvalid, message);
}

/** Undefined when Slack is not configured (no SLACK_BOT_TOKEN): Baton serves the local console instead. */
export function slackSettingsFrom(env: Readonly<Record<string, string | undefined>>): SlackSettings | undefined {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  if (!botToken) {
    if (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN) {
      throw invalid(
        'SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: set the bot token (xoxb-…) from the Slack app\'s "OAuth & Permissions" page.',
      );
    }
    return undefined;
  }
  if (!botToken.startsWith('xoxb-')) {
    throw invalid(
      'SLACK_BOT_TOKEN must be a bot token starting with "xoxb-" (the app\'s "OAuth & Permissions" page); a user or app token does not work here.',
    );
  }
  const appToken = env.SLACK_APP_TOKEN?.trim();
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
  if (appToken && !appToken.startsWith('xapp-')) {
    throw invalid(
      'SLACK_APP_TOKEN must be an app-level token starting with "xapp-" with the connections:write scope ("Basic Information" → "App-Level Tokens").',
    );
  }
  if (!appToken && !signingSecret) {
    throw invalid(
      'Slack needs SLACK_SIGNING_SECRET (requests over HTTP, from "Basic Information") or SLACK_APP_TOKEN (Socket Mode, no public URL needed). Set one of them.',
    );
  }
  const connection: SlackConnection = appToken
    ? { mode: 'socket', appToken }
    : { mode: 'http', signingSecret: signingSecret ?? '' };
  const apiUrl = (env.SLACK_API_URL?.trim() || DEFAULT_SLACK_API_URL).replace(/\/?$/, '/');
  try {
    new URL(apiUrl);
  } catch {
    throw invalid(`SLACK_API_URL is not a URL: "${env.SLACK_API_URL}". Leave it unset for ${DEFAULT_SLACK_API_URL}.`);
  }
  return { botToken, connection, apiUrl, pace: SLACK_PACE };
}
