/** The typed commands `/promote` understands, as the parser produces them. */

export type ReleaseReference =
  | { kind: 'inline'; words: string[] }
  /** A release name or an environment name: the handler tells which. */
  | { kind: 'name'; name: string };

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
