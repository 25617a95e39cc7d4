/** Slack as Baton's chat platform: one Web API client for posting, Bolt for what comes in. */
import { WebClient } from '@slack/web-api';
import type { Logger } from '../../core/capabilities.ts';
import type { HttpServer } from '../../http/server.ts';
import type { ChatPlatform } from '../platform.ts';
import { slackLogger } from './bolt-logger.ts';
import { SlackChat } from './slack-chat.ts';
import { SlackReceiver } from './slack-receiver.ts';
import { SlackUserGroups } from './user-groups.ts';
import type { SlackSettings } from './settings.ts';

export function createSlackPlatform(
  settings: SlackSettings,
  server: Pick<HttpServer, 'mount'>,
  logger: Logger,
): ChatPlatform & { userGroups: SlackUserGroups } {
  // A 429 must reach the outbox, which waits it out per channel; the client's own retries would hold a worker instead.
  const client = new WebClient(settings.botToken, {
    slackApiUrl: settings.apiUrl,
    rejectRateLimitedCalls: true,
    // A 5xx or a timeout too: the outbox tries again after a pause, without holding a worker for the client's half hour of retries.
    retryConfig: { retries: 0 },
    // A call that hangs is a call that failed for now: without a timeout it would hold an outbox worker for minutes.
    timeout: 30_000,
    logger: slackLogger(logger),
  });
  return {
    out: new SlackChat(client, logger),
    receiver: new SlackReceiver({ settings, server, logger }),
    pace: settings.pace,
    // Lookups may wait out a 429 inside the client: a click waits a moment rather than failing.
    userGroups: new SlackUserGroups(
      new WebClient(settings.botToken, { slackApiUrl: settings.apiUrl, logger: slackLogger(logger) }),
    ),
  };
}
