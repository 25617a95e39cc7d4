/**
 * A chat platform as Baton runs it: where messages go (ChatOut), where
 * commands and clicks come from (Receiver), and how fast one channel may be
 * written to.
 */
import type { UserGroupDirectory } from '../core/capabilities.ts';
import type { ChatOut, Receiver } from './contract.ts';
import type { ChatPace } from './pace.ts';

export interface ChatPlatform {
  out: ChatOut;
  receiver: Receiver;
  /** How fast the platform may be written to. */
  pace: ChatPace;
  /** The platform's user groups, for policy groups linked to them. */
  userGroups?: UserGroupDirectory;
  /** Lets go of what the platform keeps open (a history file), once nothing more will be posted. */
  close?(): Promise<void>;
}
