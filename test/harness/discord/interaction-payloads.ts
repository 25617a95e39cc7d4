/**
 * The interaction objects Discord sends when a person uses the app: every
 * field discord.js reads to build ChatInputCommandInteraction,
 * AutocompleteInteraction, ButtonInteraction and ModalSubmitInteraction
 * (id, application_id, type, data, guild_id, guild, channel_id, channel, member
 * with user, roles and permissions, token, version, app_permissions, locale,
 * entitlements, authorizing_integration_owners, context, message).
 * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object
 */
import { BOT_PERMISSIONS, type MemberSpec } from './guilds.ts';
import type { RegisteredCommand } from './commands.ts';
import type { StandInState } from './state.ts';

type Json = Record<string, unknown>;

/** Option values by name; a subcommand (group) takes an object of its own options. */
export interface OptionValues {
  [name: string]: string | number | boolean | OptionValues;
}

export interface Invoker {
  guildId: string;
  channelId: string;
  member: MemberSpec & { joinedAt: number };
}

const OPTION = {
  subcommand: 1,
  group: 2,
  string: 3,
  integer: 4,
  boolean: 5,
  user: 6,
  channel: 7,
  role: 8,
  mentionable: 9,
  number: 10,
} as const;
/** 25 MiB, what Discord reports for a guild without boosts. */
const ATTACHMENT_SIZE_LIMIT = 26_214_400;

function fits(type: number, value: unknown): boolean {
  switch (type) {
    case OPTION.string:
    case OPTION.user:
    case OPTION.channel:
    case OPTION.role:
    case OPTION.mentionable:
      return typeof value === 'string';
    case OPTION.integer:
      return Number.isInteger(value);
    case OPTION.number:
      return typeof value === 'number';
    case OPTION.boolean:
      return typeof value === 'boolean';
    default:
      return false;
  }
}

/**
 * Options as the Discord client would send them for this command definition.
 * Throws where a person could not have sent them (unknown option, wrong type,
 * a value outside `choices`, a required option left out). `focused` marks the
 * option being typed for autocomplete, which may be partial and unchecked.
 */
export function commandOptions(definitions: unknown, values: OptionValues, path: string, focused?: string): Json[] {
  const defs = Array.isArray(definitions) ? (definitions as Json[]) : [];
  const autocomplete = focused !== undefined;
  const options = Object.entries(values).map(([name, value]): Json => {
    const def = defs.find((candidate) => candidate.name === name);
    if (!def)
      throw new Error(
        `/${path} has no option "${name}" (it has: ${defs.map((candidate) => candidate.name).join(', ') || 'none'})`,
      );
    const type = def.type as number;
    if (type === OPTION.subcommand || type === OPTION.group) {
      if (typeof value !== 'object') throw new Error(`/${path} ${name} is a subcommand: give its options as an object`);
      return { name, type, options: commandOptions(def.options, value, `${path} ${name}`, focused) };
    }
    if (name === focused) return { name, type, value: String(value), focused: true };
    if (!fits(type, value))
      throw new Error(`/${path} option "${name}" has type ${type}; ${JSON.stringify(value)} does not fit`);
    const choices = Array.isArray(def.choices) ? (def.choices as Json[]) : [];
    if (choices.length > 0 && !choices.some((choice) => choice.value === value)) {
      throw new Error(
        `/${path} option "${name}" offers only ${choices.map((choice) => JSON.stringify(choice.value)).join(', ')}`,
      );
    }
    return { name, type, value };
  });
  const subcommand = defs.some((def) => def.type === OPTION.subcommand || def.type === OPTION.group);
  if (subcommand && options.length !== 1) throw new Error(`/${path} needs exactly one subcommand`);
  if (!autocomplete) {
    for (const def of defs) {
      if (def.required === true && !(String(def.name) in values))
        throw new Error(`/${path} needs option "${String(def.name)}"`);
    }
  }
  return options;
}

export function commandData(command: RegisteredCommand, options: Json[]): Json {
  return {
    id: command.id,
    name: command.name,
    type: command.type,
    ...(options.length > 0 ? { options } : {}),
    ...(command.guild_id === undefined ? {} : { guild_id: command.guild_id }),
  };
}

/** The fields every interaction from a guild member carries. */
export function interactionBase(state: StandInState, id: string, token: string, type: number, invoker: Invoker): Json {
  const { directory } = state;
  const channel = directory.channels.get(invoker.channelId);
  if (!channel) throw new Error(`The Discord stand-in has no channel ${invoker.channelId}`);
  const permissions = directory.memberPermissions(invoker.guildId, invoker.member);
  return {
    id,
    application_id: directory.applicationId,
    type,
    token,
    version: 1,
    guild_id: invoker.guildId,
    guild: { id: invoker.guildId, locale: 'en-US', features: [] },
    channel_id: channel.id,
    channel: { ...directory.apiChannel(channel), permissions },
    member: { ...directory.apiMember(invoker.guildId, invoker.member), permissions },
    app_permissions: BOT_PERMISSIONS,
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': invoker.guildId },
    context: 0,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
  };
}

function asObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

interface ModalInput {
  customId: string;
  required: boolean;
  minLength?: number;
  maxLength?: number;
}

function inputOf(component: Json): ModalInput | undefined {
  if (component.type !== 4 || typeof component.custom_id !== 'string') return undefined;
  return {
    customId: component.custom_id,
    required: component.required !== false,
    ...(typeof component.min_length === 'number' ? { minLength: component.min_length } : {}),
    ...(typeof component.max_length === 'number' ? { maxLength: component.max_length } : {}),
  };
}

function answerInput(input: ModalInput, fields: Record<string, string>): Json {
  const value = fields[input.customId] ?? '';
  if (input.required && value === '') throw new Error(`The modal's field "${input.customId}" is required`);
  if (value !== '' && input.minLength !== undefined && value.length < input.minLength)
    throw new Error(`The modal's field "${input.customId}" needs at least ${input.minLength} characters`);
  if (input.maxLength !== undefined && value.length > input.maxLength)
    throw new Error(`The modal's field "${input.customId}" takes at most ${input.maxLength} characters`);
  return { type: 4, custom_id: input.customId, value };
}

/**
 * A modal's submitted components in the layout the app opened it with
 * (action rows or labels around text inputs), each input with what the person
 * typed. Throws for fields the modal does not have and for input the Discord
 * client would not let through (required, min/max length).
 */
export function modalSubmitComponents(modal: Json, fields: Record<string, string>): Json[] {
  const known = new Set<string>();
  const components = (Array.isArray(modal.components) ? (modal.components as Json[]) : []).map((component): Json => {
    const id = component.id === undefined ? {} : { id: component.id };
    if (component.type === 1) {
      const inner = (Array.isArray(component.components) ? (component.components as Json[]) : []).map((child) => {
        const input = inputOf(child);
        if (!input) return { type: child.type };
        known.add(input.customId);
        return { ...(child.id === undefined ? {} : { id: child.id }), ...answerInput(input, fields) };
      });
      return { type: 1, ...id, components: inner };
    }
    if (component.type === 18) {
      const child = asObject(component.component);
      const input = inputOf(child);
      if (!input) return { type: 18, ...id, component: { type: child.type, custom_id: child.custom_id, values: [] } };
      known.add(input.customId);
      return {
        type: 18,
        ...id,
        component: { ...(child.id === undefined ? {} : { id: child.id }), ...answerInput(input, fields) },
      };
    }
    return { type: component.type, ...id };
  });
  for (const name of Object.keys(fields)) {
    if (!known.has(name))
      throw new Error(`The modal has no text input "${name}" (it has: ${[...known].join(', ') || 'none'})`);
  }
  return components;
}
