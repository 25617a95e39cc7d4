import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../commands/registry.ts';
import { UsageError } from '../../src/errors.ts';

function usageError(text: string): string {
  try {
    parseCommand(text);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`"${text}" parsed without an error`);
}

describe('the /promote grammar', () => {
  it('reads a named release, an inline release and an environment to copy', () => {
    expect(parseCommand('/promote 2026.11.3 to production')).toEqual({
      name: 'promote',
      release: { kind: 'name', name: '2026.11.3' },
      environment: 'production',
      dryRun: false,
    });
    expect(parseCommand('api=1.4.2 worker=sha-9f1c to staging --dry-run')).toEqual({
      name: 'promote',
      release: { kind: 'inline', words: ['api=1.4.2', 'worker=sha-9f1c'] },
      environment: 'staging',
      dryRun: true,
    });
    expect(parseCommand('api=1.4.2 to dev')).toMatchObject({ release: { kind: 'inline', words: ['api=1.4.2'] } });
  });

  it('reads every subcommand', () => {
    expect(parseCommand('status')).toEqual({ name: 'status' });
    expect(parseCommand('status #12')).toEqual({ name: 'status', id: '12' });
    expect(parseCommand('history production --limit 5')).toEqual({
      name: 'history',
      environment: 'production',
      limit: 5,
    });
    expect(parseCommand('history --limit=3')).toEqual({ name: 'history', limit: 3 });
    expect(parseCommand('history')).toEqual({ name: 'history', limit: 10 });
    expect(parseCommand('diff staging production')).toEqual({ name: 'diff', from: 'staging', to: 'production' });
    expect(parseCommand('rollback 7')).toEqual({ name: 'rollback', id: '7' });
    expect(parseCommand('freeze production "end of year freeze"')).toEqual({
      name: 'freeze',
      environment: 'production',
      reason: 'end of year freeze',
    });
    expect(parseCommand('freeze production')).toEqual({ name: 'freeze', environment: 'production', reason: '' });
    expect(parseCommand('unfreeze production')).toEqual({ name: 'unfreeze', environment: 'production' });
    expect(parseCommand('audit 3')).toEqual({ name: 'audit', id: '3' });
    expect(parseCommand('help rollback')).toEqual({ name: 'help', topic: 'rollback' });
    expect(parseCommand('')).toEqual({ name: 'help' });
  });

  it('accepts the curly quotes chat apps put in', () => {
    expect(parseCommand('freeze prod “big launch”')).toEqual({
      name: 'freeze',
      environment: 'prod',
      reason: 'big launch',
    });
  });

  it('answers bad input with what was wrong and the usage', () => {
    expect(usageError('2026.11.3 production')).toBe(
      'Say what to promote and where: <release> to <env>.\nUsage: /promote <release> to <env> [--dry-run] [--override "<reason>"]   (release: a name, api=1.4.2 worker=1.4.2, or an environment)',
    );
    expect(usageError('to production')).toContain('Say what to promote and where');
    expect(usageError('1.0 to staging production')).toContain('Say what to promote and where');
    expect(usageError('1.0 to staging --force')).toBe(
      'Unknown option "--force" (this command takes --dry-run, --override).\nUsage: /promote <release> to <env> [--dry-run] [--override "<reason>"]   (release: a name, api=1.4.2 worker=1.4.2, or an environment)',
    );
    expect(usageError('status twelve')).toBe(
      '"twelve" is not a promotion id, e.g. 12 or #12.\nUsage: /promote status [<id>]',
    );
    expect(usageError('rollback')).toBe('Missing <id>.\nUsage: /promote rollback <id>');
    expect(usageError('history --limit 0')).toContain('--limit takes a whole number from 1 to 100, not "0"');
    expect(usageError('history --limit')).toBe(
      '--limit needs a value.\nUsage: /promote history [<env>] [--limit N] [--before <id>]',
    );
    expect(usageError('diff staging')).toBe('Missing <envB>.\nUsage: /promote diff <envA> <envB>');
    expect(usageError('unfreeze a b')).toBe('Unexpected "b".\nUsage: /promote unfreeze <env>');
    expect(usageError('freeze prod "open quote')).toBe('A " quote is not closed: close it or leave the quotes out.');
  });
});
