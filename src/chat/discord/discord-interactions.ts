/**
 * One Discord interaction, as it comes over the gateway or over HTTP, turned
 * into a call on Baton's InteractionHandler and an interaction response.
 * Discord wants the response within three seconds: an answer ready within
 * QUICK_ANSWER_MS goes with it; otherwise the response defers and the answer
 * replaces the "thinking…" message when it is ready.
 */
import {
  ApplicationCommandOptionType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  type APIApplicationCommandInteractionDataOption,
  type APIInteraction,
  type APIInteractionResponse,
  type APIInteractionResponseCallbackData,
} from 'discord.js';
import type { Logger } from '../../core/capabilities.ts';
import { errorMessage } from '../../errors.ts';
import type { InteractionHandler, Reply } from '../contract.ts';
import { ACTION_IDS, type ActionId, textMessage } from '../message.ts';
import { settledWithin } from '../settled-within.ts';
import { renderDiscordMessage } from './discord-message.ts';
import { readRejectModal, rejectModal } from './reject-modal.ts';

/** Well inside Discord's three seconds, counting the response's own trip. */
const QUICK_ANSWER_MS = 1500;

export const PROMOTE_COMMAND = 'promote';
export const PROMOTE_OPTION = 'command';

export interface DiscordInteractionDeps {
  handler: InteractionHandler;
  /** The server Baton serves (DISCORD_GUILD_ID); interactions from any other, or from direct messages, are refused. */
  guildId?: string;
  logger: Logger;
  /** Completions for the /promote text typed so far. */
  complete(typed: string): Promise<string[]>;
  /** Replaces the deferred response with the answer (the webhook's @original message). */
  editOriginal(applicationId: string, token: string, data: APIInteractionResponseCallbackData): Promise<void>;
  /** Posts a reply meant for the channel (a freeze) when the answer came too late to be the response itself. */
  postInChannel(channel: string, reply: Reply): Promise<void>;
}

export interface InteractionAnswer {
  response: APIInteractionResponse;
  /** The deferred part: resolves once the answer replaced the deferred response. */
  later?: Promise<void>;
}

function replyData(reply: Reply): APIInteractionResponseCallbackData {
  const { content, embeds, components } = renderDiscordMessage(reply.message, { fullTextAttached: false });
  return {
    content: content || reply.message.text.slice(0, 2000),
    embeds,
    components,
    allowed_mentions: { parse: [] },
    ...(reply.visibility === 'private' ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

function userOf(interaction: APIInteraction): string {
  return interaction.member?.user.id ?? interaction.user?.id ?? '';
}

function commandText(options: readonly APIApplicationCommandInteractionDataOption[] | undefined): string {
  const option = options?.find((o) => o.name === PROMOTE_OPTION);
  return option && option.type === ApplicationCommandOptionType.String ? option.value : '';
}

function parseCustomId(customId: string): { actionId: ActionId; value: string } | undefined {
  const [prefix, actionId, ...rest] = customId.split(':');
  if (prefix !== 'baton' || !(ACTION_IDS as readonly string[]).includes(actionId ?? '')) return undefined;
  return { actionId: actionId as ActionId, value: rest.join(':') };
}

const privateText = (text: string): Reply => ({ visibility: 'private', message: textMessage(text, 'warning') });

const somethingWentWrong: Reply = {
  visibility: 'private',
  message: textMessage(
    "Something went wrong while handling that; it was logged. Try again, and if it keeps failing, check Baton's log.",
    'bad',
  ),
};

export class DiscordInteractions {
  constructor(private readonly deps: DiscordInteractionDeps) {}

  async answer(interaction: APIInteraction): Promise<InteractionAnswer | undefined> {
    if (interaction.type === InteractionType.Ping) return { response: { type: InteractionResponseType.Pong } };
    const outside = this.outsideProblem(interaction);
    if (interaction.type === InteractionType.ApplicationCommandAutocomplete) {
      if (outside)
        return {
          response: { type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } },
        };
      const typed = Array.isArray(interaction.data?.options) ? commandText(interaction.data.options) : '';
      const choices = await this.deps.complete(typed).catch(() => []);
      // A choice is sent as it is or not at all: a cut one would send another command than the one shown.
      const fitting = choices.filter((c) => c.length >= 1 && c.length <= 100).slice(0, 25);
      return {
        response: {
          type: InteractionResponseType.ApplicationCommandAutocompleteResult,
          data: { choices: fitting.map((c) => ({ name: c, value: c })) },
        },
      };
    }
    // One interaction acts once, whichever bot or delivery sees it.
    const first = await this.deps.handler.firstDelivery(`discord:${interaction.id}`).catch(() => true);
    if (!first) {
      this.deps.logger.info(
        { interaction: interaction.id },
        'Discord delivered an interaction again; not acting twice',
      );
      return undefined;
    }
    const user = userOf(interaction);
    const channel = interaction.channel?.id ?? interaction.channel_id ?? '';
    if (outside) return this.quickly(interaction, Promise.resolve(privateText(outside)), channel);
    switch (interaction.type) {
      case InteractionType.ApplicationCommand: {
        const data = interaction.data as { name?: unknown; options?: unknown } | undefined;
        if (data?.name !== PROMOTE_COMMAND || !Array.isArray(data.options))
          return this.quickly(interaction, Promise.resolve(privateText('Baton answers /promote only.')), channel);
        return this.quickly(
          interaction,
          this.deps.handler.command({
            user,
            channel,
            text: commandText(data.options as APIApplicationCommandInteractionDataOption[]),
          }),
          channel,
        );
      }
      case InteractionType.MessageComponent: {
        const action =
          typeof interaction.data?.custom_id === 'string' ? parseCustomId(interaction.data.custom_id) : undefined;
        if (!action)
          return this.quickly(interaction, Promise.resolve(privateText("This button is not one of Baton's.")), channel);
        if (action.actionId === 'reject') return { response: rejectModal(action.value) };
        return this.quickly(
          interaction,
          this.deps.handler.action({ user, channel, actionId: action.actionId, value: action.value }),
          channel,
        );
      }
      case InteractionType.ModalSubmit: {
        const reject =
          typeof interaction.data?.custom_id === 'string' && Array.isArray(interaction.data.components)
            ? readRejectModal(interaction.data)
            : undefined;
        if (!reject)
          return this.quickly(interaction, Promise.resolve(privateText("This form is not one of Baton's.")), channel);
        return this.quickly(
          interaction,
          this.deps.handler.action({
            user,
            channel,
            actionId: 'reject',
            value: reject.promotionId,
            reason: reject.reason,
          }),
          channel,
        );
      }
    }
  }

  /** Why an interaction is not Baton's to act on: a direct message, another server, nobody named. */
  private outsideProblem(interaction: APIInteraction): string | undefined {
    if (!interaction.guild_id || !userOf(interaction))
      return 'Baton takes commands on its Discord server only, not in direct messages.';
    if (this.deps.guildId && interaction.guild_id !== this.deps.guildId)
      return 'This Baton serves another Discord server; use /promote there.';
    return undefined;
  }

  private async quickly(
    interaction: APIInteraction,
    work: Promise<Reply>,
    channel: string,
  ): Promise<InteractionAnswer> {
    const quick = await settledWithin(work, QUICK_ANSWER_MS);
    if (quick) {
      if (!quick.ok)
        this.deps.logger.error({ err: errorMessage(quick.error) }, 'handling a Discord interaction failed');
      return {
        response: {
          type: InteractionResponseType.ChannelMessageWithSource,
          data: replyData(quick.ok ? quick.value : somethingWentWrong),
        },
      };
    }
    const later = work.then(async (reply) => {
      // The deferred response was private; a reply for the channel is posted there as well.
      await this.deps.editOriginal(
        interaction.application_id,
        interaction.token,
        replyData({ ...reply, visibility: 'private' }),
      );
      if (reply.visibility === 'channel') await this.deps.postInChannel(channel, reply);
    });
    return {
      response: {
        type: InteractionResponseType.DeferredChannelMessageWithSource,
        data: { flags: MessageFlags.Ephemeral },
      },
      later: later.catch((error: unknown) =>
        this.deps.logger.error({ err: errorMessage(error) }, 'could not give a late answer to a Discord interaction'),
      ),
    };
  }
}
