/**
 * Application commands registered by bulk overwrite, globally or for one
 * guild: the list sent replaces the stored one, a command keeps its id when
 * its name and type stay, and each comes back with `id`, `application_id`,
 * `version` (and `guild_id`). Names and descriptions are checked as Discord
 * documents them (1–32 lowercase characters; description 1–100; 25 options).
 * https://discord.com/developers/docs/interactions/application-commands
 */
import { FormErrors } from './api-error.ts';
import type { Snowflakes } from './snowflakes.ts';

type Json = Record<string, unknown>;

export interface RegisteredCommand extends Json {
  id: string;
  application_id: string;
  name: string;
  type: number;
  version: string;
  guild_id?: string;
}

const NAME = /^[-_'\p{Ll}\p{Lo}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const CHAT_INPUT = 1;
const MAX_COMMANDS = 100;
const MAX_OPTIONS = 25;

function checkOptions(errors: FormErrors, path: Array<string | number>, options: unknown): void {
  if (options === undefined) return;
  const list = Array.isArray(options) ? (options as Json[]) : [];
  if (list.length > MAX_OPTIONS) errors.maxLength(path, MAX_OPTIONS);
  list.forEach((option, index) => {
    if (typeof option.name !== 'string' || !NAME.test(option.name))
      errors.add([...path, index, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    if (typeof option.description !== 'string' || option.description.length < 1 || option.description.length > 100) {
      errors.add([...path, index, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    checkOptions(errors, [...path, index, 'options'], option.options);
  });
}

export class CommandRegistry {
  /** Key: '' for global commands, else the guild id. */
  private readonly scopes = new Map<string, RegisteredCommand[]>();

  constructor(
    private readonly applicationId: string,
    private readonly ids: Snowflakes,
  ) {}

  overwrite(body: unknown, guildId?: string): RegisteredCommand[] {
    const errors = new FormErrors();
    const list = Array.isArray(body) ? (body as Json[]) : [];
    if (!Array.isArray(body)) errors.add([], 'BASE_TYPE_LIST', 'Must be a list.');
    if (list.length > MAX_COMMANDS) errors.maxLength([], MAX_COMMANDS);
    list.forEach((command, index) => {
      const type = typeof command.type === 'number' ? command.type : CHAT_INPUT;
      if (typeof command.name !== 'string' || (type === CHAT_INPUT && !NAME.test(command.name))) {
        errors.add([index, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      }
      if (
        type === CHAT_INPUT &&
        (typeof command.description !== 'string' || command.description.length < 1 || command.description.length > 100)
      ) {
        errors.add([index, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
      }
      checkOptions(errors, [index, 'options'], command.options);
    });
    errors.throwIfAny();
    const before = this.scopes.get(guildId ?? '') ?? [];
    const registered = list.map((command): RegisteredCommand => {
      const type = typeof command.type === 'number' ? command.type : CHAT_INPUT;
      const existing = before.find((candidate) => candidate.name === command.name && candidate.type === type);
      return {
        default_member_permissions: null,
        nsfw: false,
        contexts: null,
        integration_types: [0],
        options: [],
        description: '',
        ...command,
        type,
        name: String(command.name),
        id: existing?.id ?? this.ids.next(),
        application_id: this.applicationId,
        version: this.ids.next(),
        ...(guildId === undefined ? {} : { guild_id: guildId }),
      };
    });
    this.scopes.set(guildId ?? '', registered);
    return registered;
  }

  list(guildId?: string): RegisteredCommand[] {
    return this.scopes.get(guildId ?? '') ?? [];
  }

  /** The command a user in `guildId` would see under `name`: the guild's own first, then global. */
  find(name: string, guildId: string, type = CHAT_INPUT): RegisteredCommand | undefined {
    const match = (command: RegisteredCommand) => command.name === name && command.type === type;
    return this.list(guildId).find(match) ?? this.list().find(match);
  }
}
