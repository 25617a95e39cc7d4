/**
 * views.open / views.push / views.update. A trigger id opens one view, once,
 * within 3 seconds (for ids the stand-in issued); the view must be a modal
 * within Block Kit's limits (100 blocks, 24-character title …). Slack reports
 * a bad view as `invalid_arguments` with `[ERROR] … [json-pointer:/view/…]`
 * lines in response_metadata, not as invalid_blocks, and so does this.
 */
import { randomBytes } from 'node:crypto';
import { missingArgument, SlackApiError, withMessages } from './api-error.ts';
import { viewProblems } from './block-limits.ts';
import type { MethodResult } from './chat-methods.ts';
import { jsonArg, stringArg, type Args } from './request-body.ts';
import type { RecordedView, StandInState } from './state.ts';
import { TRIGGER_ID, TRIGGER_ID_LIFETIME_MS } from './trigger-ids.ts';

function viewHash(state: StandInState): string {
  return `${Math.floor(state.clock() / 1000)}.${randomBytes(4).toString('hex')}`;
}

function checkedView(args: Args): Record<string, unknown> {
  const view = jsonArg(args, 'view');
  if (!view.present) throw missingArgument('view');
  if ('invalid' in view)
    throw withMessages('invalid_arguments', ['failed to parse view [json-pointer:/view]'], { errorsField: false });
  const problems = viewProblems(view.value);
  if (problems.length > 0) throw withMessages('invalid_arguments', problems, { errorsField: false });
  return view.value as Record<string, unknown>;
}

function useTrigger(state: StandInState, args: Args): string {
  const triggerId = stringArg(args, 'trigger_id');
  if (triggerId === undefined) throw missingArgument('trigger_id');
  const known = state.triggers.get(triggerId);
  if (!known) {
    if (!TRIGGER_ID.test(triggerId)) throw new SlackApiError('invalid_trigger_id');
    state.triggers.set(triggerId, { issuedAt: state.clock(), issuedHere: false, used: true });
    return triggerId;
  }
  if (known.used) throw new SlackApiError('exchanged_trigger_id');
  if (known.issuedHere && state.clock() - known.issuedAt > TRIGGER_ID_LIFETIME_MS)
    throw new SlackApiError('expired_trigger_id');
  known.used = true;
  return triggerId;
}

export function viewJson(state: StandInState, record: RecordedView): Record<string, unknown> {
  const { view } = record;
  return {
    id: record.id,
    team_id: state.workspace.teamId,
    type: view.type,
    title: view.title,
    close: view.close ?? null,
    submit: view.submit ?? null,
    blocks: view.blocks,
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    external_id: view.external_id ?? '',
    state: { values: {} },
    hash: record.hash,
    clear_on_close: view.clear_on_close ?? false,
    notify_on_close: view.notify_on_close ?? false,
    root_view_id: record.id,
    previous_view_id: null,
    app_id: state.workspace.appId,
    bot_id: state.workspace.botId,
  };
}

function newView(state: StandInState, args: Args): Record<string, unknown> {
  const view = checkedView(args);
  const externalId = view.external_id;
  if (typeof externalId === 'string' && state.views.some((existing) => existing.externalId === externalId)) {
    throw new SlackApiError('duplicate_external_id');
  }
  return view;
}

function record(state: StandInState, view: Record<string, unknown>, triggerId: string, pushed: boolean): RecordedView {
  const externalId = typeof view.external_id === 'string' ? view.external_id : undefined;
  const recorded: RecordedView = {
    id: `V${String(state.views.length + 1).padStart(8, '0')}`,
    triggerId,
    view,
    ...(typeof view.callback_id === 'string' ? { callbackId: view.callback_id } : {}),
    ...(typeof view.private_metadata === 'string' ? { privateMetadata: view.private_metadata } : {}),
    ...(externalId === undefined ? {} : { externalId }),
    hash: viewHash(state),
    pushed,
    updates: 0,
    history: [],
    openedAt: state.clock(),
  };
  state.views.push(recorded);
  return recorded;
}

export function open(state: StandInState, args: Args): MethodResult {
  const view = newView(state, args);
  const triggerId = useTrigger(state, args);
  return { view: viewJson(state, record(state, view, triggerId, false)) };
}

export function push(state: StandInState, args: Args): MethodResult {
  const view = newView(state, args);
  const triggerId = useTrigger(state, args);
  return { view: viewJson(state, record(state, view, triggerId, true)) };
}

export function update(state: StandInState, args: Args): MethodResult {
  const viewId = stringArg(args, 'view_id');
  const externalId = stringArg(args, 'external_id');
  if (viewId === undefined && externalId === undefined) throw missingArgument('view_id');
  const view = checkedView(args);
  const existing = state.views.find((candidate) =>
    viewId === undefined ? candidate.externalId === externalId : candidate.id === viewId,
  );
  if (!existing) throw new SlackApiError('not_found');
  const hash = stringArg(args, 'hash');
  if (hash !== undefined && hash !== existing.hash) throw new SlackApiError('hash_conflict');
  existing.history.push(existing.view);
  existing.view = view;
  if (typeof view.callback_id === 'string') existing.callbackId = view.callback_id;
  if (typeof view.private_metadata === 'string') existing.privateMetadata = view.private_metadata;
  existing.hash = viewHash(state);
  existing.updates += 1;
  return { view: viewJson(state, existing) };
}
