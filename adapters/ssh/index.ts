/**
 * The `ssh` adapter: runs a command on a list of machines over SSH, in
 * rolling batches, with every host key checked before anything runs.
 */
import { lazyAdapter } from '../kit/lazy-adapter.ts';
import { sshConfigSchema, type SshConfig } from './schema.ts';

// The SSH client loads the first time a step uses it: a bot with no ssh component does not carry it.
const observe = () => import('./observe.ts');
const operations = () => import('./operations.ts');

export const sshAdapter = lazyAdapter<SshConfig>(
  {
    kind: 'ssh',
    description: 'Runs a command on virtual machines over SSH in rolling batches, checking every host key first.',
    config: sshConfigSchema,
    step: { timeoutMs: 30 * 60_000, retries: 2 },
  },
  { current: observe, plan: observe, apply: operations, rollback: operations },
);
