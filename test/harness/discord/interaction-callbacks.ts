/**
 * How an app answers an interaction: one callback within 3 seconds
 * (POST /interactions/{id}/{token}/callback, or the HTTP answer to the
 * delivery), then the interaction token's webhook for 15 minutes — follow-ups
 * and edits of `@original`. A second callback is 40060 "Interaction has already
 * been acknowledged.", a late one 10062 "Unknown interaction"; webhook calls
 * before the callback find no webhook (10015).
 * https://discord.com/developers/docs/interactions/receiving-and-responding
 */
import { DiscordApiError, FormErrors, unknown } from './api-error.ts';
import { announceMessage } from './channel-routes.ts';
import { checkChoices, checkMessageBody, checkModal } from './message-limits.ts';
import { EPHEMERAL, LOADING, type StoredMessage, type UploadedFile } from './messages.ts';
import type { Route, RouteContext } from './routes.ts';
import type { InteractionRecord, RecordedCallback, StandInState } from './state.ts';

type Json = Record<string, unknown>;

export const CALLBACK = {
  pong: 1,
  message: 4,
  deferredMessage: 5,
  deferredUpdate: 6,
  update: 7,
  autocompleteResult: 8,
  modal: 9,
} as const;
export const INTERACTION_TYPE = { ping: 1, command: 2, component: 3, autocomplete: 4, modalSubmit: 5 } as const;

/** Interaction tokens work for 15 minutes. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/** Which callback types each interaction type may use. */
const ALLOWED: Record<number, number[]> = {
  [INTERACTION_TYPE.ping]: [CALLBACK.pong],
  [INTERACTION_TYPE.command]: [CALLBACK.message, CALLBACK.deferredMessage, CALLBACK.modal],
  [INTERACTION_TYPE.component]: [
    CALLBACK.message,
    CALLBACK.deferredMessage,
    CALLBACK.deferredUpdate,
    CALLBACK.update,
    CALLBACK.modal,
  ],
  [INTERACTION_TYPE.autocomplete]: [CALLBACK.autocompleteResult],
  [INTERACTION_TYPE.modalSubmit]: [
    CALLBACK.message,
    CALLBACK.deferredMessage,
    CALLBACK.deferredUpdate,
    CALLBACK.update,
  ],
};

function jsonObject(body: unknown): Json {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Json) : {};
}

function refuse(state: StandInState, record: InteractionRecord, error: DiscordApiError): DiscordApiError {
  record.refusals.push({ status: error.status, code: error.code, message: error.message, at: state.clock() });
  return error;
}

function responseMessage(
  state: StandInState,
  record: InteractionRecord,
  data: Json,
  files: UploadedFile[],
  extraFlags: number,
): StoredMessage {
  const message = state.messages.create(record.channelId, record.guildId, state.directory.botUser.id, data, files, {
    type: record.type === INTERACTION_TYPE.command ? 20 : 19,
    interaction: { id: record.id, type: record.type, name: record.name, userId: record.userId },
    webhookId: state.directory.applicationId,
    flags: extraFlags,
  });
  announceMessage(state, message, 'MESSAGE_CREATE');
  return message;
}

/**
 * Takes (or refuses) an interaction's one callback. `via` says whether it came
 * over REST or as the answer to an HTTP delivery. Returns the message it made
 * or changed, if any.
 */
export function acceptCallback(
  state: StandInState,
  record: InteractionRecord,
  body: unknown,
  files: UploadedFile[],
  via: RecordedCallback['via'],
): StoredMessage | undefined {
  if (record.callback)
    throw refuse(state, record, new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.'));
  const afterMs = state.clock() - record.sentAt;
  if (afterMs > state.interactionDeadlineMs) throw refuse(state, record, unknown('interaction'));
  const json = jsonObject(body);
  const type = json.type;
  const data = jsonObject(json.data);
  try {
    if (typeof type !== 'number' || !(ALLOWED[record.type] ?? []).includes(type)) {
      const errors = new FormErrors();
      errors.add(
        ['type'],
        'INTERACTION_RESPONSE_TYPE_INVALID',
        `Interaction response type ${String(type)} is not valid for interaction type ${record.type}`,
      );
      errors.throwIfAny();
    }
    let message: StoredMessage | undefined;
    switch (type) {
      case CALLBACK.message:
        checkMessageBody(data, { prefix: ['data'], creating: true, files: files.length });
        message = responseMessage(state, record, data, files, 0);
        record.originalMessageId = message.id;
        break;
      case CALLBACK.deferredMessage:
        message = responseMessage(
          state,
          record,
          { flags: (typeof data.flags === 'number' ? data.flags : 0) & EPHEMERAL },
          [],
          LOADING,
        );
        record.originalMessageId = message.id;
        break;
      case CALLBACK.deferredUpdate:
        record.originalMessageId = record.sourceMessageId;
        break;
      case CALLBACK.update: {
        checkMessageBody(data, { prefix: ['data'], creating: false, files: files.length });
        message = record.sourceMessageId === undefined ? undefined : state.messages.get(record.sourceMessageId);
        if (!message) throw unknown('message');
        state.messages.edit(message, data, files);
        announceMessage(state, message, 'MESSAGE_UPDATE');
        record.originalMessageId = message.id;
        break;
      }
      case CALLBACK.autocompleteResult:
        checkChoices(data);
        break;
      case CALLBACK.modal:
        checkModal(data);
        break;
      default:
        break;
    }
    record.callback = {
      type: type as number,
      ...(json.data === undefined ? {} : { data }),
      at: state.clock(),
      afterMs,
      via,
    };
    return message;
  } catch (error) {
    if (error instanceof DiscordApiError) throw refuse(state, record, error);
    throw error;
  }
}

function recordFor(state: StandInState, id: string | undefined, token: string | undefined): InteractionRecord {
  const record = id === undefined ? undefined : state.interactions.get(id);
  if (!record || record.token !== token) throw unknown('interaction');
  return record;
}

function callbackResponse(state: StandInState, record: InteractionRecord, message: StoredMessage | undefined): Json {
  const callback = record.callback as RecordedCallback;
  return {
    interaction: {
      id: record.id,
      type: record.type,
      ...(message === undefined
        ? {}
        : {
            response_message_id: message.id,
            response_message_loading: (message.flags & LOADING) !== 0,
            response_message_ephemeral: message.ephemeral,
          }),
    },
    resource: {
      type: callback.type,
      ...(message !== undefined && (callback.type === CALLBACK.message || callback.type === CALLBACK.update)
        ? { message: state.messages.apiMessage(message, state.directory) }
        : {}),
    },
  };
}

function postCallback({ state, params, body, query }: RouteContext) {
  const record = recordFor(state, params['interaction.id'], params['interaction.token']);
  const message = acceptCallback(state, record, body.json, body.files, 'callback');
  if (query.get('with_response') === 'true') return { status: 200, body: callbackResponse(state, record, message) };
  return { status: 204 };
}

/** The interaction behind a webhook id + token, if its callback is in and the token still lives. */
function webhookRecord(
  state: StandInState,
  webhookId: string | undefined,
  token: string | undefined,
): InteractionRecord {
  if (webhookId !== state.directory.applicationId) throw unknown('webhook');
  const record = [...state.interactions.values()].find((candidate) => candidate.token === token);
  if (!record || state.clock() - record.sentAt > TOKEN_LIFETIME_MS)
    throw new DiscordApiError(401, 50027, 'Invalid Webhook Token');
  if (!record.callback) throw refuse(state, record, unknown('webhook'));
  return record;
}

function webhookMessage(state: StandInState, record: InteractionRecord, id: string | undefined): StoredMessage {
  const messageId = id === '@original' ? record.originalMessageId : id;
  const allowed =
    messageId !== undefined && (messageId === record.originalMessageId || record.followUpIds.includes(messageId));
  const message = allowed ? state.messages.get(messageId) : undefined;
  if (!message) throw refuse(state, record, unknown('message'));
  return message;
}

function postFollowUp({ state, params, body, query }: RouteContext) {
  const record = webhookRecord(state, params['webhook.id'], params['webhook.token']);
  const json = jsonObject(body.json);
  try {
    checkMessageBody(json, { creating: true, files: body.files.length });
  } catch (error) {
    if (error instanceof DiscordApiError) throw refuse(state, record, error);
    throw error;
  }
  const message = responseMessage(state, record, json, body.files, 0);
  record.followUpIds.push(message.id);
  return query.get('wait') === 'false'
    ? { status: 204 }
    : { status: 200, body: state.messages.apiMessage(message, state.directory) };
}

function getWebhookMessage({ state, params }: RouteContext) {
  const record = webhookRecord(state, params['webhook.id'], params['webhook.token']);
  return {
    status: 200,
    body: state.messages.apiMessage(webhookMessage(state, record, params['message.id']), state.directory),
  };
}

function editWebhookMessage({ state, params, body }: RouteContext) {
  const record = webhookRecord(state, params['webhook.id'], params['webhook.token']);
  const message = webhookMessage(state, record, params['message.id']);
  const json = jsonObject(body.json);
  try {
    checkMessageBody(json, { creating: false, files: body.files.length });
  } catch (error) {
    if (error instanceof DiscordApiError) throw refuse(state, record, error);
    throw error;
  }
  state.messages.edit(message, json, body.files);
  announceMessage(state, message, 'MESSAGE_UPDATE');
  return { status: 200, body: state.messages.apiMessage(message, state.directory) };
}

function deleteWebhookMessage({ state, params }: RouteContext) {
  const record = webhookRecord(state, params['webhook.id'], params['webhook.token']);
  state.messages.delete(webhookMessage(state, record, params['message.id']));
  return { status: 204 };
}

export const INTERACTION_ROUTES: Route[] = [
  {
    method: 'POST',
    template: '/interactions/{interaction.id}/{interaction.token}/callback',
    auth: 'none',
    handle: postCallback,
  },
  { method: 'POST', template: '/webhooks/{webhook.id}/{webhook.token}', auth: 'none', handle: postFollowUp },
  {
    method: 'GET',
    template: '/webhooks/{webhook.id}/{webhook.token}/messages/{message.id}',
    auth: 'none',
    handle: getWebhookMessage,
  },
  {
    method: 'PATCH',
    template: '/webhooks/{webhook.id}/{webhook.token}/messages/{message.id}',
    auth: 'none',
    handle: editWebhookMessage,
  },
  {
    method: 'DELETE',
    template: '/webhooks/{webhook.id}/{webhook.token}/messages/{message.id}',
    auth: 'none',
    handle: deleteWebhookMessage,
  },
];
