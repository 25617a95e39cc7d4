/** The typed commands `/promote` understands, as the parser produces them. */
import type { ReleaseReference } from '../src/core/release-reference.ts';

export type Command =
  | { name: 'promote'; release: ReleaseReference; environment: string; dryRun: boolean; override?: string }
  | { name: 'status'; id?: string }
  | { name: 'history'; environment?: string; limit: number; before?: string }
  | { name: 'diff'; from: string; to: string }
  | { name: 'rollback'; id: string }
  | { name: 'freeze'; environment: string; reason: string }
  | { name: 'unfreeze'; environment: string }
  | { name: 'audit'; id: string }
  | { name: 'dora'; environment?: string; days: number }
  | { name: 'drift'; environment: string }
  | { name: 'help'; topic?: string };

export type CommandName = Command['name'];
