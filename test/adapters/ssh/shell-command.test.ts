/**
 * Quoting for the remote shell, checked by the real shells a host may have:
 * every word must come out of the shell exactly as it went in.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseHostAddress } from '../../../adapters/ssh/host-address.ts';
import { quoteForShell, remoteCommandLine } from '../../../adapters/ssh/shell-command.ts';

const run = promisify(execFile);

const NASTY_WORDS = [
  'plain',
  "it's",
  "''",
  'two words',
  '$(touch /tmp/baton-pwned)',
  '`id`',
  '${HOME} $HOME',
  'a\\b\\',
  'line one\nline two',
  '\t',
  '*',
  '~',
  '!event',
  '# not a comment',
  '; rm -rf / &',
  '"double"',
  'é ✓ 漢字',
  '-n',
];

describe('quoting for the remote shell', () => {
  for (const shell of ['/bin/sh', '/bin/bash']) {
    it(`${shell} gets back exactly the words Baton quoted`, async () => {
      expect(
        existsSync(shell),
        `${shell} is missing: apt-get install -y ${shell === '/bin/sh' ? 'dash' : 'bash'}`,
      ).toBe(true);
      const { stdout } = await run(shell, ['-c', `printf '%s\\0' ${NASTY_WORDS.map(quoteForShell).join(' ')}`]);
      expect(stdout.split('\0').slice(0, -1)).toEqual(NASTY_WORDS);
    });
  }

  it('builds a line that reports its process group, exports the environment and execs the program', async () => {
    const { line, marker } = remoteCommandLine(
      ['printf', '%s|%s', "it's", '$X'],
      { X: 'a b', BATON_HOST: 'web1' },
      'marker-1',
    );
    const { stdout, stderr } = await run('/bin/sh', ['-c', `${line}; echo not reached`], {
      env: { PATH: process.env.PATH },
    });
    expect(stdout).toBe("it's|$X");
    expect(stderr).toMatch(new RegExp(`^${marker} \\d+\\n$`));
    const env = await run('/bin/sh', ['-c', remoteCommandLine(['env'], { X: 'a b' }, 'm').line]);
    expect(env.stdout.split('\n')).toContain('X=a b');
  });
});

describe('host entries', () => {
  it('reads host, host:port, IPv6 with and without brackets', () => {
    expect(parseHostAddress('web1.example.com')).toEqual({
      entry: 'web1.example.com',
      host: 'web1.example.com',
      port: 22,
    });
    expect(parseHostAddress('10.0.0.5:2222')).toMatchObject({ host: '10.0.0.5', port: 2222 });
    expect(parseHostAddress('[2001:db8::5]:2222')).toMatchObject({ host: '2001:db8::5', port: 2222 });
    expect(parseHostAddress('2001:db8::5')).toMatchObject({ host: '2001:db8::5', port: 22 });
  });

  it('refuses entries that are not a host, saying how to write one', () => {
    expect(() => parseHostAddress('deploy@web1')).toThrow(/"deploy@web1" is not a host: .* Write host or host:port/);
    expect(() => parseHostAddress('web1:99999')).toThrow(/the port "99999" is not a number from 1 to 65535/);
    expect(() => parseHostAddress('[web1]:22')).toThrow(/only IPv6 addresses go in \[brackets\]/);
  });
});
