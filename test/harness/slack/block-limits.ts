/**
 * The Block Kit limits Slack enforces, checked the way Slack reports them: one
 * message per problem, "<what> [json-pointer:<path>]", as in the `errors` of an
 * `invalid_blocks` answer. The numbers are the documented ones (block and
 * element reference pages); a bot that stays inside them here stays inside
 * them on Slack. It is a subset: fields Slack ignores or the bot does not use
 * are not looked at.
 */

type Json = Record<string, unknown>;

export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;
export const MAX_MESSAGE_TEXT = 40_000;
export const MAX_ATTACHMENTS = 100;

const BLOCK_TYPES = new Set([
  'actions',
  'context',
  'context_actions',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);

const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];

const ACTIONS_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  'rich_text_input',
  ...SELECTS,
]);

const ACCESSORY_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
]);

const INPUT_ELEMENTS = new Set([
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
  ...SELECTS,
]);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Slack counts characters, not UTF-16 code units. */
function length(text: string): number {
  return Array.from(text).length;
}

class Problems {
  readonly list: string[] = [];

  add(message: string, pointer: string): void {
    this.list.push(`${message} [json-pointer:${pointer}]`);
  }

  maxString(value: unknown, max: number, pointer: string, required = false): void {
    if (value === undefined) {
      if (required)
        this.add(`missing required field: ${pointer.split('/').pop() ?? ''}`, pointer.replace(/\/[^/]*$/, ''));
      return;
    }
    if (typeof value !== 'string') {
      this.add('must be a string', pointer);
      return;
    }
    if (length(value) > max) this.add(`must be less than ${max + 1} characters`, pointer);
  }

  maxItems(value: unknown, max: number, pointer: string, min = 0): value is unknown[] {
    if (!Array.isArray(value)) {
      this.add('must be an array', pointer);
      return false;
    }
    if (value.length > max) this.add(`no more than ${max} items allowed`, pointer);
    if (value.length < min) this.add(`must provide at least ${min} items`, pointer);
    return true;
  }

  /** A text object: plain_text or mrkdwn, 1..max characters. */
  text(value: unknown, max: number, pointer: string, options: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (value === undefined) {
      if (options.required)
        this.add(`missing required field: ${pointer.split('/').pop() ?? ''}`, pointer.replace(/\/[^/]*$/, ''));
      return;
    }
    if (!isObject(value)) {
      this.add('must be an object', pointer);
      return;
    }
    const allowed = options.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (typeof value.type !== 'string' || !allowed.includes(value.type))
      this.add('must be a valid enum value', `${pointer}/type`);
    if (typeof value.text !== 'string') {
      this.add('missing required field: text', pointer);
      return;
    }
    if (length(value.text) === 0) this.add('must be more than 0 characters', `${pointer}/text`);
    if (length(value.text) > max) this.add(`must be less than ${max + 1} characters`, `${pointer}/text`);
  }

  confirm(value: unknown, pointer: string): void {
    if (value === undefined) return;
    if (!isObject(value)) {
      this.add('must be an object', pointer);
      return;
    }
    this.text(value.title, 100, `${pointer}/title`, { plainOnly: true, required: true });
    this.text(value.text, 300, `${pointer}/text`, { required: true });
    this.text(value.confirm, 30, `${pointer}/confirm`, { plainOnly: true, required: true });
    this.text(value.deny, 30, `${pointer}/deny`, { plainOnly: true, required: true });
  }

  options(value: unknown, max: number, pointer: string, min = 0): void {
    if (value === undefined) return;
    if (!this.maxItems(value, max, pointer, min)) return;
    value.forEach((option, index) => {
      const at = `${pointer}/${index}`;
      if (!isObject(option)) {
        this.add('must be an object', at);
        return;
      }
      this.text(option.text, 75, `${at}/text`, { required: true });
      this.maxString(option.value, 150, `${at}/value`);
      this.text(option.description, 75, `${at}/description`);
    });
  }

  /** An interactive element; `actionIds` spots a repeated action_id within one block. */
  element(value: unknown, allowed: Set<string>, pointer: string, actionIds: Set<string>): void {
    if (!isObject(value)) {
      this.add('must be an object', pointer);
      return;
    }
    const type = value.type;
    if (typeof type !== 'string' || !allowed.has(type)) {
      this.add(`unsupported type: ${String(type)}`, `${pointer}/type`);
      return;
    }
    if (value.action_id !== undefined) {
      this.maxString(value.action_id, 255, `${pointer}/action_id`);
      if (typeof value.action_id === 'string') {
        if (actionIds.has(value.action_id))
          this.add(`action_id already exists: ${value.action_id}`, `${pointer}/action_id`);
        actionIds.add(value.action_id);
      }
    }
    this.confirm(value.confirm, `${pointer}/confirm`);
    switch (type) {
      case 'button':
        this.text(value.text, 75, `${pointer}/text`, { plainOnly: true, required: true });
        this.maxString(value.value, 2000, `${pointer}/value`);
        this.maxString(value.url, 3000, `${pointer}/url`);
        this.maxString(value.accessibility_label, 75, `${pointer}/accessibility_label`);
        if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') {
          this.add('must be a valid enum value', `${pointer}/style`);
        }
        break;
      case 'overflow':
        this.options(value.options, 5, `${pointer}/options`, 1);
        break;
      case 'checkboxes':
      case 'radio_buttons':
        this.options(value.options, 10, `${pointer}/options`, 1);
        break;
      case 'image':
        this.maxString(value.alt_text, 2000, `${pointer}/alt_text`, true);
        break;
      case 'plain_text_input':
        this.text(value.placeholder, 150, `${pointer}/placeholder`, { plainOnly: true });
        if (typeof value.max_length === 'number' && value.max_length > 3000)
          this.add('must be less than 3001', `${pointer}/max_length`);
        break;
      default:
        if (SELECTS.includes(type)) {
          this.text(value.placeholder, 150, `${pointer}/placeholder`, { plainOnly: true });
          this.options(value.options, 100, `${pointer}/options`);
        }
    }
  }

  block(value: unknown, pointer: string, blockIds: Set<string>): void {
    if (!isObject(value)) {
      this.add('must be an object', pointer);
      return;
    }
    const type = value.type;
    if (typeof type !== 'string' || !BLOCK_TYPES.has(type)) {
      this.add(`unsupported type: ${String(type)}`, `${pointer}/type`);
      return;
    }
    if (value.block_id !== undefined) {
      this.maxString(value.block_id, 255, `${pointer}/block_id`);
      if (typeof value.block_id === 'string') {
        if (blockIds.has(value.block_id)) this.add(`block_id already exists: ${value.block_id}`, `${pointer}/block_id`);
        blockIds.add(value.block_id);
      }
    }
    const actionIds = new Set<string>();
    switch (type) {
      case 'section':
        if (value.text === undefined && value.fields === undefined)
          this.add('must define either `text` or `fields`', pointer);
        this.text(value.text, 3000, `${pointer}/text`);
        if (value.fields !== undefined && this.maxItems(value.fields, 10, `${pointer}/fields`)) {
          value.fields.forEach((field, index) => this.text(field, 2000, `${pointer}/fields/${index}`));
        }
        if (value.accessory !== undefined)
          this.element(value.accessory, ACCESSORY_ELEMENTS, `${pointer}/accessory`, actionIds);
        break;
      case 'header':
        this.text(value.text, 150, `${pointer}/text`, { plainOnly: true, required: true });
        break;
      case 'context':
        if (this.maxItems(value.elements, 10, `${pointer}/elements`, 1)) {
          value.elements.forEach((element, index) => {
            const at = `${pointer}/elements/${index}`;
            if (isObject(element) && element.type === 'image')
              this.maxString(element.alt_text, 2000, `${at}/alt_text`, true);
            else this.text(element, 3000, at);
          });
        }
        break;
      case 'actions':
        if (this.maxItems(value.elements, 25, `${pointer}/elements`, 1)) {
          value.elements.forEach((element, index) =>
            this.element(element, ACTIONS_ELEMENTS, `${pointer}/elements/${index}`, actionIds),
          );
        }
        break;
      case 'image':
        if (value.image_url === undefined && value.slack_file === undefined)
          this.add('must provide either `image_url` or `slack_file`', pointer);
        this.maxString(value.image_url, 3000, `${pointer}/image_url`);
        this.maxString(value.alt_text, 2000, `${pointer}/alt_text`, true);
        this.text(value.title, 2000, `${pointer}/title`, { plainOnly: true });
        break;
      case 'input':
        this.text(value.label, 2000, `${pointer}/label`, { plainOnly: true, required: true });
        this.text(value.hint, 2000, `${pointer}/hint`, { plainOnly: true });
        if (value.element === undefined) this.add('missing required field: element', pointer);
        else this.element(value.element, INPUT_ELEMENTS, `${pointer}/element`, actionIds);
        break;
      case 'markdown':
        this.maxString(value.text, 12_000, `${pointer}/text`, true);
        break;
      case 'rich_text':
        this.maxItems(value.elements, Number.MAX_SAFE_INTEGER, `${pointer}/elements`);
        break;
      default:
        break;
    }
  }

  blocks(value: unknown, max: number, pointer: string): void {
    if (!this.maxItems(value, max, pointer)) return;
    const blockIds = new Set<string>();
    value.forEach((block, index) => this.block(block, `${pointer}/${index}`, blockIds));
  }
}

/** Problems with a message's `blocks` (already parsed from JSON), each with its json-pointer. */
export function messageBlockProblems(blocks: unknown): string[] {
  const problems = new Problems();
  problems.blocks(blocks, MAX_MESSAGE_BLOCKS, '/blocks');
  return problems.list;
}

/** Problems with a view passed to views.open / views.update / views.push, pointers under `/view`. */
export function viewProblems(view: unknown): string[] {
  const problems = new Problems();
  if (!isObject(view)) {
    problems.add('must be an object', '/view');
    return problems.list;
  }
  if (view.type !== 'modal') problems.add('must be a valid enum value', '/view/type');
  problems.text(view.title, 24, '/view/title', { plainOnly: true, required: true });
  problems.text(view.submit, 24, '/view/submit', { plainOnly: true });
  problems.text(view.close, 24, '/view/close', { plainOnly: true });
  problems.maxString(view.callback_id, 255, '/view/callback_id');
  problems.maxString(view.private_metadata, 3000, '/view/private_metadata');
  problems.maxString(view.external_id, 255, '/view/external_id');
  problems.blocks(view.blocks, MAX_VIEW_BLOCKS, '/view/blocks');
  const hasInput = Array.isArray(view.blocks) && view.blocks.some((block) => isObject(block) && block.type === 'input');
  if (hasInput && view.submit === undefined)
    problems.add('must provide `submit` when the view has input blocks', '/view');
  return problems.list;
}
