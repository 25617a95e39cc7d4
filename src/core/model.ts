/**
 * The domain model every part of Baton shares. Nothing here knows about chat
 * platforms, queues or target systems.
 */
import type { Observed, Outputs, StepPreview } from './adapter-contract.ts';
import type { AuditAnchor } from './audit-record.ts';

/** Where a value came from in a config file, for error messages (1-based). */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** A weekly promotion window such as "Mon-Thu 09:00-16:00 Europe/Berlin". */
export interface PromotionWindow {
  /** The text as written in the config, shown to people. */
  text: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Minutes after local midnight; `end` is exclusive and may be 1440. */
  startMinute: number;
  endMinute: number;
  timeZone: string;
}

export interface ApprovalPolicy {
  required: number;
  /** Users (`alice`) and groups (`@release-managers`) who may approve; empty = anyone. */
  from: string[];
  allowSelfApproval: boolean;
}

export interface Environment {
  name: string;
  channel: string;
  /** Environments where the same versions must have succeeded first. */
  requires: string[];
  /** How long the versions must have been in each required environment. */
  soakMs: number;
  approvals: ApprovalPolicy;
  windows: PromotionWindow[];
  /** Users and groups who may request a promotion here; empty = anyone. */
  requesters: string[];
  /** Who may roll back promotions here, freeze and unfreeze it, and promote past a freeze or outside a window. */
  rollback: PeopleRule;
  freeze: PeopleRule;
  override: PeopleRule;
  /** How often a scheduled check compares what the targets run with the ledger, posting when drift appears or clears; absent: never. */
  driftEveryMs?: number;
}

/** Who a permission of an environment admits, and whether the config set it or its default applies. */
export interface PeopleRule {
  /** User ids and `@group` names; `anyone` admits everybody, an empty list nobody. */
  people: readonly string[] | 'anyone';
  /** Set in the config, or the default stated in the README. */
  origin: 'config' | 'default';
}

export interface Component {
  name: string;
  adapter: string;
  /** The adapter's settings as written, with `${…}` placeholders still in place. */
  with: Record<string, unknown>;
  needs: string[];
  /** Names of the outputs this component's steps publish for dependents. */
  outputs: string[];
  /** Per-component override of the adapter's step timeout. */
  timeoutMs?: number;
  /** Per-component override of the adapter's retry count. */
  retries?: number;
}

export interface Pipeline {
  /** Path of the config file this pipeline was loaded from. */
  source: string;
  environments: Environment[];
  components: Component[];
  /** Group name (without `@`) → user ids. */
  groups: Record<string, string[]>;
  /** Group name (without `@`) → a chat platform's group (a Slack user group, a Discord role), whose members are looked up when needed. */
  linkedGroups: Record<string, LinkedGroup>;
  /** Folder holding named release files. */
  releasesDir: string;
  /** `retention:`: finished promotions older than `keepMs` go into evidence bundles, looked for every `everyMs`; absent: kept for ever. */
  retention?: Retention;
}

export interface Retention {
  keepMs: number;
  everyMs: number;
  /** Absolute path of the folder bundles are written to; absent: evidence-archive in the data folder. */
  folder?: string;
}

/** A group kept by the chat platform: a Slack user group or a Discord role, by handle, name or id. */
export interface LinkedGroup {
  kind: 'usergroup' | 'role';
  ref: string;
}

/** A named set of component versions that moves through environments as one unit. */
export interface Release {
  name: string;
  versions: Record<string, string>;
}

/** What one environment runs for one component. */
export interface LedgerEntry {
  version: string;
  /** When this version started running here (ISO time). */
  since: string;
  promotionId: string;
  outputs: Outputs;
  /** Outputs whose values are secret: stored encrypted (`enc:v1:…`), shown as `***`, decrypted for dependents. */
  sensitiveOutputs?: string[];
  /** What the adapter observed, kept so that a rollback can restore it. */
  observed?: Observed;
}

/** Component → what runs there, for one environment. */
export type Ledger = Record<string, LedgerEntry>;

export type StepStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'rolling_back'
  | 'rolled_back'
  | 'rollback_failed';

export interface Step {
  /** Unique across all promotions; the idempotency key adapters receive. */
  id: string;
  component: string;
  adapter: string;
  version: string;
  /** What the environment ran before, per the ledger (null = never deployed). */
  previousVersion: string | null;
  /** Components of this promotion this step waits for. */
  needs: string[];
  wave: number;
  preview: StepPreview | null;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  outputs: Outputs;
  /** Outputs whose values are secret: stored encrypted (`enc:v1:…`), shown as `***`, decrypted for dependents. */
  sensitiveOutputs?: string[];
  /** Last lines of the step's log, redacted, for the thread. */
  log: string[];
  error?: string;
  /** What the target ran before apply, for rollback. */
  before?: Observed;
  /** Why a rollback left this step as it is (irreversible, nothing applied). */
  rollbackNote?: string;
  /** The ledger entry this step replaced, restored by a rollback. */
  ledgerBefore?: LedgerEntry | null;
  /** Set when a crash cut the step off and its target was then seen to run its version. */
  recovered?: boolean;
}

export type PromotionState =
  | 'planning'
  | 'awaiting_approval'
  | 'approved'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'rolling_back'
  | 'rolled_back'
  | 'interrupted';

export interface Approval {
  user: string;
  at: string;
}

export interface Promotion {
  id: string;
  release: Release;
  environment: string;
  /** Set when the release was taken from what another environment runs. */
  fromEnvironment?: string;
  requestedBy: string;
  requestedAt: string;
  channel: string;
  state: PromotionState;
  /** Why the promotion is in its state, in words a person understands. */
  reason?: string;
  steps: Step[];
  waves: string[][];
  approvals: Approval[];
  /** Who may approve, by user id, as the config and chat user groups said when approval was first asked; absent when anyone may. */
  approvers?: string[];
  /** When approvers were last reminded (ISO): reminders are spaced so that a button cannot become a pager. */
  remindedAt?: string;
  rejectedBy?: { user: string; at: string; reason: string };
  rollbackRequestedBy?: string;
  /** Set when the requester promoted past a freeze or outside a window: what was set aside, by whom and why. */
  override?: Override;
  /** A digest of the steps and their previews: approvals bind to the plan it names. */
  planDigest?: string;
  /** A digest of what the environment ran when the plan was made: a promotion whose environment changed since is planned again before it starts. */
  planBasis?: string;
  /** How many times the promotion was sent to planning and to rollback: each run's job has an id of its own. */
  planRound?: number;
  rollbackRound?: number;
  /** The last hash and record count of the promotion's audit stream, written with its records: a cut or rewritten log shows against it. */
  audit?: AuditAnchor;
  updatedAt: string;
  finishedAt?: string;
}

/** Where a chat message lives: its channel and the platform's id for it (a promotion's thread is its plan message). */
export interface MessageRef {
  channel: string;
  messageId: string;
}

/**
 * What is left of a finished promotion once its record and audit stream went
 * into a signed evidence bundle: enough to say where the evidence went and to
 * check that the bundle is the one written.
 */
export interface ArchivedPromotion {
  id: string;
  environment: string;
  state: PromotionState;
  requestedBy: string;
  requestedAt: string;
  finishedAt?: string;
  archivedAt: string;
  /** Where the bundle was written (an absolute path on the machine that archived it). */
  bundle: string;
  /** SHA-256 (hex) of the bundle file as written. */
  sha256: string;
  /** The promotion's audit stream when archived: the bundle's records must end at this head. */
  audit: AuditAnchor;
}

export const TERMINAL_STATES: readonly PromotionState[] = [
  'succeeded',
  'failed',
  'rejected',
  'rolled_back',
  'interrupted',
];

export function isTerminal(state: PromotionState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Whether a promotion finished before `time` (ISO); one written before `finishedAt` existed finished when it last changed. */
export function finishedBefore(promotion: Promotion, time: string): boolean {
  if (!isTerminal(promotion.state)) return false;
  return Date.parse(promotion.finishedAt ?? promotion.updatedAt) < Date.parse(time);
}

/** States in which a promotion holds (or waits for) its environment. */
export const ACTIVE_STATES: readonly PromotionState[] = ['approved', 'running', 'rolling_back'];

export interface Override {
  by: string;
  at: string;
  reason: string;
  /** The freeze set aside (its start): a freeze set later holds the promotion as any other. */
  freezeAt?: string;
  /** Whether closed promotion windows were set aside. */
  windows: boolean;
}

export interface Freeze {
  environment: string;
  reason: string;
  by: string;
  at: string;
}
