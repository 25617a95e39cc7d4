/**
 * The `ssh` adapter: runs a command on a list of machines over SSH, in
 * rolling batches, with every host key checked before anything runs.
 */
import type { TargetAdapter } from '../contract.ts';
import { sshConfigSchema, type SshConfig } from './schema.ts';

// The SSH client loads the first time a step uses it: a bot with no ssh component does not carry it.
const observe = () => import('./observe.ts');
const operations = () => import('./operations.ts');

export const sshAdapter: TargetAdapter<SshConfig> = {
  kind: 'ssh',
  description: 'Runs a command on virtual machines over SSH in rolling batches, checking every host key first.',
  config: sshConfigSchema,
  step: { timeoutMs: 30 * 60_000, retries: 2 },
  current: async (ctx) => (await observe()).currentVersion(ctx),
  plan: async (ctx) => (await observe()).previewRollout(ctx),
  apply: async (ctx) => (await operations()).apply(ctx),
  rollback: async (ctx, before) => (await operations()).rollback(ctx, before),
};
