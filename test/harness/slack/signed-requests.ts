/**
 * Requests as Slack sends them to an app's Request URL, signed the way Slack
 * documents ("Verifying requests from Slack"): X-Slack-Signature is
 * `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the signing
 * secret, X-Slack-Request-Timestamp the Unix seconds. Slash commands are
 * form-encoded fields; interactions are form-encoded `payload=<json>`. Used to
 * drive Bolt's HTTP receiver in tests; options make the stale-timestamp,
 * bad-signature and retry cases.
 */
import { createHmac } from 'node:crypto';
import { newTriggerId } from './trigger-ids.ts';

export interface SlackSignatureHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
}

export interface SignedRequestOptions {
  /** Unix seconds to sign with and send; default now. */
  timestamp?: number;
  /** Sent instead of the computed signature. */
  signature?: string;
  /** Sent as X-Slack-Retry-Num (Slack's redelivery count). */
  retryNum?: number;
  /** Sent as X-Slack-Retry-Reason, e.g. `http_timeout`. */
  retryReason?: string;
  headers?: Record<string, string>;
}

export interface ReceiverAnswer {
  status: number;
  body: string;
  /** Lower-case names. */
  headers: Record<string, string>;
}

export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

export interface SlackUserRef {
  id: string;
  username?: string;
  name?: string;
  team_id?: string;
}

export interface BlockActionInput {
  /** A user id, or the user object. */
  user: string | SlackUserRef;
  channel: string | { id: string; name?: string };
  /** ts of the message holding the button. */
  messageTs: string;
  /** When the message is a thread reply. */
  threadTs?: string;
  /** The clicked element(s); `type` defaults to `button`. */
  actions: Array<{
    action_id: string;
    block_id?: string;
    value?: string;
    type?: string;
    text?: unknown;
    selected_option?: unknown;
  }>;
  /** The message as Slack shows it back; default a bare one with `messageTs`. */
  message?: Record<string, unknown>;
  isEphemeral?: boolean;
  responseUrl?: string;
  triggerId?: string;
  teamId?: string;
  apiAppId?: string;
  /** Merged over the built payload. */
  extra?: Record<string, unknown>;
}

export interface ViewSubmissionInput {
  user: string | SlackUserRef;
  callbackId: string;
  privateMetadata?: string;
  /** state.values: block_id → action_id → element state, e.g. `{ type: 'plain_text_input', value: 'x' }`. */
  values?: Record<string, Record<string, Record<string, unknown>>>;
  viewId?: string;
  hash?: string;
  title?: string;
  blocks?: unknown[];
  /** Set when the modal has a response_url_enabled input. */
  responseUrls?: Array<{ block_id: string; action_id: string; channel_id: string; response_url: string }>;
  triggerId?: string;
  teamId?: string;
  apiAppId?: string;
  extra?: Record<string, unknown>;
}

const DEFAULT_TEAM = { id: 'TBATON', domain: 'baton-test' };
const DEFAULT_APP = 'ABATON';

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function signSlackRequest(
  signingSecret: string,
  body: string,
  timestampSeconds: number = nowSeconds(),
): SlackSignatureHeaders {
  const hex = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${hex}`, 'X-Slack-Request-Timestamp': String(timestampSeconds) };
}

/** POSTs `body` to `receiverUrl` signed with `signingSecret`, as Slack delivers to a Request URL. */
export async function postSigned(
  receiverUrl: string,
  signingSecret: string,
  body: string,
  options: SignedRequestOptions = {},
  contentType = 'application/x-www-form-urlencoded',
): Promise<ReceiverAnswer> {
  const signed = signSlackRequest(signingSecret, body, options.timestamp ?? nowSeconds());
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...signed,
    ...(options.signature === undefined ? {} : { 'X-Slack-Signature': options.signature }),
    ...(options.retryNum === undefined ? {} : { 'X-Slack-Retry-Num': String(options.retryNum) }),
    ...(options.retryReason === undefined ? {} : { 'X-Slack-Retry-Reason': options.retryReason }),
    ...options.headers,
  };
  const response = await fetch(receiverUrl, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) };
}

function userRef(user: string | SlackUserRef, teamId: string): SlackUserRef & { team_id: string } {
  const ref = typeof user === 'string' ? { id: user } : user;
  const name = ref.username ?? ref.name ?? ref.id.toLowerCase();
  return { id: ref.id, username: name, name, team_id: ref.team_id ?? teamId };
}

/** A slash command's fields, as Slack sends them: form-encoded over HTTP, a JSON payload in Socket Mode. */
export function slashCommandFields(fields: Partial<SlashCommandFields> = {}): SlashCommandFields {
  return {
    token: 'verification-token-not-used',
    team_id: DEFAULT_TEAM.id,
    team_domain: DEFAULT_TEAM.domain,
    channel_id: 'C0RELEASES',
    channel_name: 'releases',
    user_id: 'U0ALICE',
    user_name: 'alice',
    command: '/promote',
    text: '',
    api_app_id: DEFAULT_APP,
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.com/commands/TBATON/0/unset',
    trigger_id: newTriggerId(),
    ...fields,
  };
}

export function slashCommandBody(fields: Partial<SlashCommandFields> = {}): string {
  return new URLSearchParams(Object.entries(slashCommandFields(fields))).toString();
}

export function blockActionsPayload(input: BlockActionInput): Record<string, unknown> {
  const teamId = input.teamId ?? DEFAULT_TEAM.id;
  const channel = typeof input.channel === 'string' ? { id: input.channel } : input.channel;
  const actionTs = (Date.now() / 1000).toFixed(6);
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    user: userRef(input.user, teamId),
    api_app_id: input.apiAppId ?? DEFAULT_APP,
    token: 'verification-token-not-used',
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: channel.id,
      is_ephemeral: input.isEphemeral ?? false,
      ...(input.threadTs === undefined ? {} : { thread_ts: input.threadTs }),
    },
    trigger_id: input.triggerId ?? newTriggerId(),
    team: { id: teamId, domain: DEFAULT_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel.id, name: channel.name ?? channel.id.toLowerCase() },
    message: input.message ?? {
      type: 'message',
      ts: input.messageTs,
      ...(input.threadTs === undefined ? {} : { thread_ts: input.threadTs }),
    },
    state: { values: {} },
    response_url: input.responseUrl ?? 'https://hooks.slack.com/actions/TBATON/0/unset',
    actions: input.actions.map((action) => ({ type: 'button', block_id: 'actions', ...action, action_ts: actionTs })),
    ...input.extra,
  };
  return payload;
}

export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const teamId = input.teamId ?? DEFAULT_TEAM.id;
  const appId = input.apiAppId ?? DEFAULT_APP;
  const viewId = input.viewId ?? 'V00000001';
  return {
    type: 'view_submission',
    team: { id: teamId, domain: DEFAULT_TEAM.domain },
    user: userRef(input.user, teamId),
    api_app_id: appId,
    token: 'verification-token-not-used',
    trigger_id: input.triggerId ?? newTriggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      title: { type: 'plain_text', text: input.title ?? 'Baton' },
      blocks: input.blocks ?? [],
      private_metadata: input.privateMetadata ?? '',
      callback_id: input.callbackId,
      state: { values: input.values ?? {} },
      hash: input.hash ?? `${nowSeconds()}.stand-in`,
      root_view_id: viewId,
      previous_view_id: null,
      app_id: appId,
      external_id: '',
      bot_id: 'BBATON',
    },
    response_urls: input.responseUrls ?? [],
    is_enterprise_install: false,
    enterprise: null,
    ...input.extra,
  };
}

export function sendSlashCommand(
  receiverUrl: string,
  signingSecret: string,
  fields: Partial<SlashCommandFields> = {},
  options: SignedRequestOptions = {},
): Promise<ReceiverAnswer> {
  return postSigned(receiverUrl, signingSecret, slashCommandBody(fields), options);
}

export function sendInteraction(
  receiverUrl: string,
  signingSecret: string,
  payload: Record<string, unknown>,
  options: SignedRequestOptions = {},
): Promise<ReceiverAnswer> {
  return postSigned(
    receiverUrl,
    signingSecret,
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    options,
  );
}

export function sendBlockAction(
  receiverUrl: string,
  signingSecret: string,
  input: BlockActionInput,
  options: SignedRequestOptions = {},
): Promise<ReceiverAnswer> {
  return sendInteraction(receiverUrl, signingSecret, blockActionsPayload(input), options);
}

export function sendViewSubmission(
  receiverUrl: string,
  signingSecret: string,
  input: ViewSubmissionInput,
  options: SignedRequestOptions = {},
): Promise<ReceiverAnswer> {
  return sendInteraction(receiverUrl, signingSecret, viewSubmissionPayload(input), options);
}
