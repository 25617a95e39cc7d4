/**
 * Discord's documented limits on what a bot may send, checked the way Discord
 * answers them: one 50035 "Invalid Form Body" naming every bad field.
 * Messages: content 2000; 10 embeds, 6000 characters across them, title 256,
 * description 4096, 25 fields of name 256 / value 1024, footer 2048, author 256;
 * 5 action rows of 5 buttons, custom_id 100, label 80, custom ids unique.
 * Modals: title 45, custom_id 100, 1–5 components, text inputs as documented.
 * Autocomplete: 25 choices.
 */
import { DiscordApiError, FormErrors } from './api-error.ts';

type Json = Record<string, unknown>;
type Path = Array<string | number>;

export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  actionRows: 5,
  rowComponents: 5,
  customId: 100,
  buttonLabel: 80,
  modalTitle: 45,
  modalComponents: 5,
  textInputLabel: 45,
  textInputValue: 4000,
  placeholder: 100,
  choices: 25,
  choiceName: 100,
} as const;

const BUTTON = 2;
const ACTION_ROW = 1;
const TEXT_INPUT = 4;
const TEXT_DISPLAY = 10;
const LABEL = 18;
const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);
const LINK_STYLE = 5;
const PREMIUM_STYLE = 6;
/** MessageFlags.IsComponentsV2: the stand-in does not check that layout. */
const COMPONENTS_V2 = 1 << 15;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function checkLength(errors: FormErrors, path: Path, value: unknown, max: number): void {
  if (typeof value === 'string' && [...value].length > max) errors.maxLength(path, max);
}

function embedSize(embed: Json): number {
  const fields = Array.isArray(embed.fields) ? (embed.fields as unknown[]) : [];
  const parts = [embed.title, embed.description, asObject(embed.footer)?.text, asObject(embed.author)?.name];
  for (const field of fields) parts.push(asObject(field)?.name, asObject(field)?.value);
  return parts.reduce<number>((sum, part) => sum + [...text(part)].length, 0);
}

function checkEmbeds(errors: FormErrors, embeds: unknown): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) {
    errors.add(['embeds'], 'BASE_TYPE_LIST', 'Must be a list.');
    return;
  }
  if (embeds.length > LIMITS.embeds) errors.maxLength(['embeds'], LIMITS.embeds);
  let total = 0;
  embeds.forEach((raw, index) => {
    const embed = asObject(raw) ?? {};
    total += embedSize(embed);
    checkLength(errors, ['embeds', index, 'title'], embed.title, LIMITS.embedTitle);
    checkLength(errors, ['embeds', index, 'description'], embed.description, LIMITS.embedDescription);
    checkLength(errors, ['embeds', index, 'footer', 'text'], asObject(embed.footer)?.text, LIMITS.footerText);
    checkLength(errors, ['embeds', index, 'author', 'name'], asObject(embed.author)?.name, LIMITS.authorName);
    const fields = Array.isArray(embed.fields) ? (embed.fields as unknown[]) : [];
    if (fields.length > LIMITS.embedFields) errors.maxLength(['embeds', index, 'fields'], LIMITS.embedFields);
    fields.forEach((rawField, fieldIndex) => {
      const field = asObject(rawField) ?? {};
      for (const [key, max] of [
        ['name', LIMITS.fieldName],
        ['value', LIMITS.fieldValue],
      ] as const) {
        const path = ['embeds', index, 'fields', fieldIndex, key];
        if (text(field[key]) === '') errors.required(path);
        else checkLength(errors, path, field[key], max);
      }
    });
  });
  if (total > LIMITS.embedTotal)
    errors.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${LIMITS.embedTotal}`);
}

function checkCustomId(errors: FormErrors, path: Path, value: unknown, seen: Set<string>): void {
  if (typeof value !== 'string' || value === '') {
    errors.required([...path, 'custom_id']);
    return;
  }
  checkLength(errors, [...path, 'custom_id'], value, LIMITS.customId);
  if (seen.has(value))
    errors.add([...path, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  seen.add(value);
}

function checkButton(errors: FormErrors, path: Path, button: Json, seen: Set<string>): void {
  const style = button.style;
  if (typeof style !== 'number' || style < 1 || style > 6) {
    errors.add([...path, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
    return;
  }
  checkLength(errors, [...path, 'label'], button.label, LIMITS.buttonLabel);
  if (style === LINK_STYLE) {
    if (text(button.url) === '') errors.required([...path, 'url']);
    if (button.custom_id !== undefined)
      errors.add(
        [...path, 'custom_id'],
        'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED',
        'A custom id cannot be set on a link button',
      );
  } else if (style !== PREMIUM_STYLE) {
    checkCustomId(errors, path, button.custom_id, seen);
  }
  if (style !== PREMIUM_STYLE && button.label === undefined && button.emoji === undefined) {
    errors.add(
      [...path, 'label'],
      'BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED',
      'A button must have a label or an emoji',
    );
  }
}

function checkMessageComponents(errors: FormErrors, components: unknown, flags: number): void {
  if (components === undefined || components === null || (flags & COMPONENTS_V2) !== 0) return;
  if (!Array.isArray(components)) {
    errors.add(['components'], 'BASE_TYPE_LIST', 'Must be a list.');
    return;
  }
  if (components.length > LIMITS.actionRows) errors.maxLength(['components'], LIMITS.actionRows);
  const seen = new Set<string>();
  components.forEach((rawRow, rowIndex) => {
    const row = asObject(rawRow) ?? {};
    if (row.type !== ACTION_ROW) {
      errors.add(['components', rowIndex, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
      return;
    }
    const children = Array.isArray(row.components) ? (row.components as unknown[]) : [];
    if (children.length === 0)
      errors.add(['components', rowIndex, 'components'], 'BASE_TYPE_MIN_LENGTH', 'Must be 1 or more in length.');
    if (children.length > LIMITS.rowComponents)
      errors.maxLength(['components', rowIndex, 'components'], LIMITS.rowComponents);
    children.forEach((rawChild, childIndex) => {
      const child = asObject(rawChild) ?? {};
      const path = ['components', rowIndex, 'components', childIndex];
      if (child.type === BUTTON) checkButton(errors, path, child, seen);
      else if (SELECT_TYPES.has(child.type as number)) {
        checkCustomId(errors, path, child.custom_id, seen);
        if (children.length > 1)
          errors.add(path, 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
      } else
        errors.add([...path, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).');
    });
  });
}

/** What a message body may carry to count as a message at all. */
function hasSomething(body: Json, files: number): boolean {
  const list = (key: string) => Array.isArray(body[key]) && (body[key] as unknown[]).length > 0;
  return (
    text(body.content) !== '' ||
    list('embeds') ||
    list('components') ||
    list('sticker_ids') ||
    files > 0 ||
    body.poll !== undefined
  );
}

/**
 * Checks a message create or edit body (also an interaction response's
 * `data`, with `prefix` ['data']). `creating` adds Discord's 50006 for a
 * message with nothing in it.
 */
export function checkMessageBody(body: Json, options: { prefix?: Path; creating: boolean; files: number }): void {
  const errors = new FormErrors(options.prefix ?? []);
  if (body.content !== undefined && body.content !== null && typeof body.content !== 'string')
    errors.add(['content'], 'BASE_TYPE_STRING', 'Must be a string.');
  checkLength(errors, ['content'], body.content, LIMITS.content);
  checkEmbeds(errors, body.embeds);
  checkMessageComponents(errors, body.components, typeof body.flags === 'number' ? body.flags : 0);
  errors.throwIfAny();
  if (options.creating && !hasSomething(body, options.files))
    throw new DiscordApiError(400, 50006, 'Cannot send an empty message');
}

function checkTextInput(errors: FormErrors, path: Path, input: Json, seen: Set<string>, labelled: boolean): void {
  checkCustomId(errors, path, input.custom_id, seen);
  if (input.style !== 1 && input.style !== 2)
    errors.add([...path, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
  if (!labelled) {
    if (text(input.label) === '') errors.required([...path, 'label']);
    else checkLength(errors, [...path, 'label'], input.label, LIMITS.textInputLabel);
  }
  checkLength(errors, [...path, 'value'], input.value, LIMITS.textInputValue);
  checkLength(errors, [...path, 'placeholder'], input.placeholder, LIMITS.placeholder);
  for (const key of ['min_length', 'max_length'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    const min = key === 'min_length' ? 0 : 1;
    if (typeof value !== 'number' || value < min || value > LIMITS.textInputValue) {
      errors.add([...path, key], 'NUMBER_TYPE_MAX', `int value should be <= ${LIMITS.textInputValue} and >= ${min}.`);
    }
  }
}

/** A MODAL callback's `data`: title, custom_id, 1–5 rows or labels, each one input. */
export function checkModal(modal: Json): void {
  const errors = new FormErrors(['data']);
  if (text(modal.title) === '') errors.required(['title']);
  else checkLength(errors, ['title'], modal.title, LIMITS.modalTitle);
  const seen = new Set<string>();
  checkCustomId(errors, [], modal.custom_id, new Set());
  const components = Array.isArray(modal.components) ? (modal.components as unknown[]) : [];
  if (components.length < 1 || components.length > LIMITS.modalComponents) {
    errors.add(['components'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${LIMITS.modalComponents} in length.`);
  }
  components.forEach((raw, index) => {
    const component = asObject(raw) ?? {};
    const path = ['components', index];
    if (component.type === ACTION_ROW) {
      const inputs = Array.isArray(component.components) ? (component.components as unknown[]) : [];
      if (inputs.length !== 1)
        errors.add([...path, 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 1 in length.');
      inputs.forEach((input, inputIndex) => {
        const child = asObject(input) ?? {};
        if (child.type === TEXT_INPUT) checkTextInput(errors, [...path, 'components', inputIndex], child, seen, false);
        else
          errors.add(
            [...path, 'components', inputIndex, 'type'],
            'UNION_TYPE_CHOICES',
            'Value of field "type" must be one of (4,).',
          );
      });
    } else if (component.type === LABEL) {
      if (text(component.label) === '') errors.required([...path, 'label']);
      else checkLength(errors, [...path, 'label'], component.label, LIMITS.textInputLabel);
      const child = asObject(component.component) ?? {};
      if (child.type === TEXT_INPUT) checkTextInput(errors, [...path, 'component'], child, seen, true);
      else if (SELECT_TYPES.has(child.type as number))
        checkCustomId(errors, [...path, 'component'], child.custom_id, seen);
      else errors.required([...path, 'component']);
    } else if (component.type !== TEXT_DISPLAY) {
      errors.add([...path, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1, 10, 18).');
    }
  });
  errors.throwIfAny();
}

/** An APPLICATION_COMMAND_AUTOCOMPLETE_RESULT callback's `data`. */
export function checkChoices(data: Json): void {
  const errors = new FormErrors(['data']);
  const choices = Array.isArray(data.choices) ? (data.choices as unknown[]) : undefined;
  if (choices === undefined) errors.required(['choices']);
  else {
    if (choices.length > LIMITS.choices) errors.maxLength(['choices'], LIMITS.choices);
    choices.forEach((raw, index) => {
      const choice = asObject(raw) ?? {};
      if (text(choice.name) === '') errors.required(['choices', index, 'name']);
      else checkLength(errors, ['choices', index, 'name'], choice.name, LIMITS.choiceName);
      if (choice.value === undefined) errors.required(['choices', index, 'value']);
      else checkLength(errors, ['choices', index, 'value'], choice.value, LIMITS.choiceName);
    });
  }
  errors.throwIfAny();
}
