/**
 * What a person does in Discord, sent to the app the way Discord sends it:
 * over the gateway as INTERACTION_CREATE, or signed over HTTP to the app's
 * interactions endpoint. Each action waits until the app has answered (or its
 * 3 seconds are up) and returns a live view of what came back.
 */
import { randomBytes } from 'node:crypto';
import { CALLBACK, INTERACTION_TYPE, acceptCallback } from './interaction-callbacks.ts';
import { DiscordApiError } from './api-error.ts';
import {
  commandData,
  commandOptions,
  interactionBase,
  modalSubmitComponents,
  type Invoker,
  type OptionValues,
} from './interaction-payloads.ts';
import type { StoredMessage } from './messages.ts';
import { deliverSigned, type DeliveryOptions, type SigningKeys } from './signed-delivery.ts';
import type { InteractionKind, InteractionRecord, RecordedCallback, Refusal, StandInState } from './state.ts';

type Json = Record<string, unknown>;

export interface Where {
  /** Default: the first guild. */
  guild?: string;
  /** Default: the guild's first channel. */
  channel?: string;
}

/** What an interaction got back, read live: follow-ups and edits show up as they arrive. */
export class InteractionOutcome {
  constructor(
    private readonly state: StandInState,
    readonly record: InteractionRecord,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get answered(): boolean {
    return this.record.callback !== undefined;
  }

  get callback(): RecordedCallback | undefined {
    return this.record.callback;
  }

  get callbackType(): number | undefined {
    return this.record.callback?.type;
  }

  /** The message `@original` names: the response, or the component's message after an update. */
  get response(): StoredMessage | undefined {
    return this.record.originalMessageId === undefined
      ? undefined
      : this.state.messages.get(this.record.originalMessageId);
  }

  get ephemeral(): boolean {
    return this.response?.ephemeral ?? false;
  }

  get content(): string | undefined {
    return this.response?.content;
  }

  get embeds(): Json[] {
    return this.response?.embeds ?? [];
  }

  get components(): Json[] {
    return this.response?.components ?? [];
  }

  get followUps(): StoredMessage[] {
    return this.record.followUpIds
      .map((id) => this.state.messages.get(id))
      .filter((message): message is StoredMessage => message !== undefined);
  }

  /** The modal the app opened (callback type 9). */
  get modal(): Json | undefined {
    return this.record.callback?.type === CALLBACK.modal ? this.record.callback.data : undefined;
  }

  /** Autocomplete choices (callback type 8). */
  get choices(): Json[] | undefined {
    const choices =
      this.record.callback?.type === CALLBACK.autocompleteResult ? this.record.callback.data?.choices : undefined;
    return Array.isArray(choices) ? (choices as Json[]) : undefined;
  }

  /** Calls Discord refused for this interaction (late, twice, invalid). */
  get refusals(): Refusal[] {
    return this.record.refusals;
  }

  /** HTTP delivery: how the app's endpoint answered. */
  get delivery(): { status: number; body: unknown } | undefined {
    return this.record.delivery;
  }
}

export interface UserActionsOptions {
  keys: SigningKeys;
  /** When set, interactions go here over HTTP instead of the gateway. */
  endpointUrl?: string;
}

export class UserActions {
  private readonly submittedModals = new Set<string>();

  constructor(
    private readonly state: StandInState,
    private readonly options: UserActionsOptions,
  ) {}

  private invoker(user: string, where: Where = {}): Invoker {
    const { directory } = this.state;
    const guildId = where.guild ?? directory.guildIds()[0];
    if (guildId === undefined || !directory.hasGuild(guildId))
      throw new Error(`The Discord stand-in has no guild ${String(guildId)}`);
    const member = directory.findMember(guildId, user);
    if (!member) throw new Error(`${user} is not a member of guild ${guildId}: add them with standIn.setMember()`);
    const channelId =
      where.channel ?? [...directory.channels.values()].find((channel) => channel.guildId === guildId)?.id;
    if (channelId === undefined) throw new Error(`Guild ${guildId} has no channel`);
    return { guildId, channelId, member };
  }

  private async issue(
    kind: InteractionKind,
    type: number,
    name: string,
    invoker: Invoker,
    build: (base: Json) => Json,
    extra: Partial<InteractionRecord> = {},
  ): Promise<InteractionOutcome> {
    const id = this.state.ids.next();
    const token = `${Buffer.from(`interaction:${id}:`).toString('base64url')}${randomBytes(48).toString('base64url')}`;
    const payload = build(interactionBase(this.state, id, token, type, invoker));
    const record: InteractionRecord = {
      id,
      token,
      type,
      kind,
      name,
      userId: invoker.member.id,
      guildId: invoker.guildId,
      channelId: invoker.channelId,
      sentAt: this.state.clock(),
      payload,
      via: this.options.endpointUrl === undefined ? 'gateway' : 'http',
      refusals: [],
      followUpIds: [],
      ...extra,
    };
    this.state.interactions.set(id, record);
    await this.deliver(record);
    await this.answered(record);
    return new InteractionOutcome(this.state, record);
  }

  private async deliver(record: InteractionRecord, options: DeliveryOptions = {}): Promise<void> {
    if (this.options.endpointUrl === undefined) {
      if (!this.state.gateway.dispatch('INTERACTION_CREATE', record.payload)) {
        throw new Error(
          'The bot has no gateway session with the Discord stand-in: log in first, or set interactionsEndpointUrl',
        );
      }
      return;
    }
    const answer = await deliverSigned(this.options.endpointUrl, this.options.keys, record.payload, options);
    record.delivery = answer;
    if (answer.status === 200 && answer.body !== null && typeof answer.body === 'object') {
      try {
        acceptCallback(this.state, record, answer.body, [], 'http-response');
      } catch (error) {
        if (!(error instanceof DiscordApiError)) throw error;
      }
    }
  }

  /** Waits for the callback, or until Discord would have given up on it. */
  private async answered(record: InteractionRecord): Promise<void> {
    const deadline = Date.now() + this.state.interactionDeadlineMs + 250;
    while (!record.callback && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async slashCommand(
    user: string,
    name: string,
    options: OptionValues = {},
    where?: Where,
  ): Promise<InteractionOutcome> {
    const invoker = this.invoker(user, where);
    const command = this.state.commands.find(name, invoker.guildId);
    if (!command)
      throw new Error(
        `No command /${name} is registered (the app registers commands with PUT /applications/{id}/commands)`,
      );
    const data = commandData(command, commandOptions(command.options, options, name));
    return await this.issue('command', INTERACTION_TYPE.command, name, invoker, (base) => ({ ...base, data }));
  }

  async autocomplete(
    user: string,
    name: string,
    options: OptionValues,
    focused: string,
    where?: Where,
  ): Promise<InteractionOutcome> {
    const invoker = this.invoker(user, where);
    const command = this.state.commands.find(name, invoker.guildId);
    if (!command) throw new Error(`No command /${name} is registered`);
    const data = commandData(command, commandOptions(command.options, options, name, focused));
    return await this.issue('autocomplete', INTERACTION_TYPE.autocomplete, name, invoker, (base) => ({
      ...base,
      data,
    }));
  }

  private visibleMessage(user: string, messageId: string): StoredMessage {
    const message = this.state.messages.get(messageId);
    const ownEphemeral =
      message?.ephemeral === true &&
      message.interaction?.userId !== undefined &&
      this.state.directory.findMember(message.guildId, user)?.id === message.interaction.userId;
    if (!message || (message.ephemeral && !ownEphemeral)) throw new Error(`${user} cannot see a message ${messageId}`);
    return message;
  }

  async clickButton(user: string, messageId: string, customId: string): Promise<InteractionOutcome> {
    const message = this.visibleMessage(user, messageId);
    const button = message.components
      .flatMap((row) => (Array.isArray(row.components) ? (row.components as Json[]) : []))
      .find((component) => component.type === 2 && component.custom_id === customId);
    if (!button) throw new Error(`Message ${messageId} has no button "${customId}"`);
    if (button.disabled === true) throw new Error(`The button "${customId}" is disabled`);
    const invoker = this.invoker(user, { guild: message.guildId, channel: message.channelId });
    const apiMessage = this.state.messages.apiMessage(message, this.state.directory);
    return await this.issue(
      'button',
      INTERACTION_TYPE.component,
      customId,
      invoker,
      (base) => ({ ...base, message: apiMessage, data: { custom_id: customId, component_type: 2 } }),
      {
        sourceMessageId: message.id,
      },
    );
  }

  async submitModal(user: string, customId: string, fields: Record<string, string>): Promise<InteractionOutcome> {
    const opened = [...this.state.interactions.values()]
      .reverse()
      .find(
        (record) =>
          record.callback?.type === CALLBACK.modal &&
          record.callback.data?.custom_id === customId &&
          !this.submittedModals.has(record.id) &&
          this.state.directory.findMember(record.guildId, user)?.id === record.userId,
      );
    if (!opened?.callback?.data) throw new Error(`No modal "${customId}" is open for ${user}`);
    this.submittedModals.add(opened.id);
    const components = modalSubmitComponents(opened.callback.data, fields);
    const source = opened.sourceMessageId === undefined ? undefined : this.state.messages.get(opened.sourceMessageId);
    const invoker = this.invoker(user, { guild: opened.guildId, channel: opened.channelId });
    return await this.issue(
      'modal',
      INTERACTION_TYPE.modalSubmit,
      customId,
      invoker,
      (base) => ({
        ...base,
        ...(source ? { message: this.state.messages.apiMessage(source, this.state.directory) } : {}),
        data: { custom_id: customId, components },
      }),
      source ? { sourceMessageId: source.id } : {},
    );
  }

  /** HTTP only: the PING Discord sends when the endpoint URL is saved; the app must answer PONG. */
  async ping(options: DeliveryOptions = {}): Promise<InteractionOutcome> {
    if (this.options.endpointUrl === undefined) throw new Error('ping() needs interactionsEndpointUrl');
    const id = this.state.ids.next();
    const token = randomBytes(48).toString('base64url');
    const record: InteractionRecord = {
      id,
      token,
      type: INTERACTION_TYPE.ping,
      kind: 'ping',
      name: 'ping',
      userId: '',
      guildId: '',
      channelId: '',
      sentAt: this.state.clock(),
      payload: {
        id,
        application_id: this.state.directory.applicationId,
        type: INTERACTION_TYPE.ping,
        token,
        version: 1,
      },
      via: 'http',
      refusals: [],
      followUpIds: [],
    };
    this.state.interactions.set(id, record);
    await this.deliver(record, options);
    return new InteractionOutcome(this.state, record);
  }

  /** HTTP only: sends a raw, signed (or badly signed) payload and returns the endpoint's answer. */
  async sendSigned(payload: Json, options: DeliveryOptions = {}): Promise<{ status: number; body: unknown }> {
    if (this.options.endpointUrl === undefined) throw new Error('sendSigned() needs interactionsEndpointUrl');
    return deliverSigned(this.options.endpointUrl, this.options.keys, payload, options);
  }
}
