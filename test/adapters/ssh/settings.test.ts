/**
 * The ssh component's settings as people write them: the documented example
 * passes, and each mistake gets a message that says how to fix it.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sshAdapter } from '../../../adapters/ssh/index.ts';

const VALID = {
  hosts: ['web1.example.com', 'web2.example.com:2222'],
  user: 'deploy',
  privateKey: '${secret:DEPLOY_KEY}',
  knownHosts: 'ssh/known_hosts',
  command: ['/opt/app/deploy.sh', '${version}', '{{BATON_STEP_ID}}'],
};

function problems(input: unknown): string {
  const result = sshAdapter.config.safeParse(input);
  return result.success ? '' : z.prettifyError(result.error);
}

describe('ssh settings', () => {
  it('accepts the documented example, placeholders included', () => {
    expect(
      problems({
        ...VALID,
        hosts: ['web1.example.com', 'web2.example.com:2222', '${vm.outputs.address}'],
        currentCommand: ['cat', '/opt/app/VERSION'],
        rollbackCommand: ['sudo', '/opt/app/deploy.sh', '{{BATON_ROLLBACK_TO}}'],
        batchSize: 2,
        connectTimeout: '20s',
        env: { REGION: 'eu-west-1' },
      }),
    ).toBe('');
    expect(
      problems({ ...VALID, knownHosts: undefined, hostKeys: ['SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s'] }),
    ).toBe('');
    expect(problems({ ...VALID, knownHosts: undefined, insecureAcceptAnyHostKey: true })).toBe('');
  });

  it('insists on host key checks unless they are turned off explicitly', () => {
    expect(problems({ ...VALID, knownHosts: undefined })).toContain(
      'Baton checks every host key before it runs anything',
    );
    expect(problems({ ...VALID, insecureAcceptAnyHostKey: true })).toContain(
      '`insecureAcceptAnyHostKey: true` turns host key checks off, so `knownHosts` and `hostKeys` would be ignored',
    );
    expect(problems({ ...VALID, knownHosts: undefined, hostKeys: ['MD5:aa:bb'] })).toContain(
      'a host key fingerprint looks like SHA256:',
    );
  });

  it('needs exactly one of privateKey and privateKeyFile', () => {
    expect(problems({ ...VALID, privateKey: undefined })).toContain('the key to log in with is missing');
    expect(problems({ ...VALID, privateKeyFile: 'keys/deploy' })).toContain(
      'give either `privateKey` or `privateKeyFile`, not both',
    );
  });

  it('rejects a shell string, an empty argument and a program that looks like an option', () => {
    expect(problems({ ...VALID, command: '/opt/app/deploy.sh 1.4.2' })).toContain(
      '`command` must be a list of arguments',
    );
    expect(problems({ ...VALID, command: ['/opt/app/deploy.sh', ''] })).toContain('`command` has an empty argument');
    expect(problems({ ...VALID, command: ['-rf'] })).toContain('the program in `command` cannot start with "-"');
  });

  it('knows which {{BATON_…}} tokens exist and where', () => {
    expect(problems({ ...VALID, command: ['deploy', '{{BATON_ROLLBACK_TO}}'] })).toContain(
      '{{BATON_ROLLBACK_TO}} only has a value in `rollbackCommand`',
    );
    expect(problems({ ...VALID, currentCommand: ['cat', '{{BATON_STEPID}}'] })).toContain(
      '{{BATON_STEPID}} is not a step variable: use one of {{BATON_HOST}}',
    );
  });

  it('rejects bad hosts, batch sizes, timeouts and env names with what to write instead', () => {
    expect(problems({ ...VALID, hosts: ['deploy@web1'] })).toContain('"deploy@web1" is not a host');
    expect(problems({ ...VALID, hosts: [] })).toContain('`hosts` is empty');
    expect(problems({ ...VALID, batchSize: 0 })).toContain('`batchSize` must be at least 1');
    expect(problems({ ...VALID, batchSize: 1.5 })).toContain('`batchSize` must be a whole number of hosts');
    expect(problems({ ...VALID, connectTimeout: 'soon' })).toContain('`connectTimeout` must be a duration above zero');
    expect(problems({ ...VALID, env: { BATON_STEP_ID: 'x', PORT: 8080 } })).toMatch(
      /names starting with BATON_ are set by Baton itself[\s\S]*environment values must be strings/,
    );
  });

  it('has step defaults for slow rolling deploys', () => {
    expect(sshAdapter.step).toEqual({ timeoutMs: 1_800_000, retries: 2 });
  });
});
