/**
 * The `with:` block of an `ssh` component. The same schema checks the
 * settings as written (with `${…}` placeholders) at load time and again once
 * they are resolved, so checks that need the final value skip placeholders.
 */
import { z } from 'zod';
import { DURATION_FORM, isPositiveDuration } from '../kit/durations.ts';
import { argvCommand, environmentVariables } from '../kit/settings.ts';
import { HostAddressError, parseHostAddress } from './host-address.ts';
import { ROLLBACK_ONLY_VARIABLE, STEP_VARIABLE_NAMES, unknownTokens } from './step-variables.ts';

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;
const SETTINGS =
  'hosts, user, privateKey, privateKeyFile, knownHosts, hostKeys, insecureAcceptAnyHostKey, command, currentCommand, ' +
  'rollbackCommand, batchSize, connectTimeout and env';

function hasPlaceholder(text: string): boolean {
  return text.includes('${');
}

function remoteCommand(setting: string) {
  const allowed =
    setting === 'rollbackCommand'
      ? STEP_VARIABLE_NAMES
      : STEP_VARIABLE_NAMES.filter((name) => name !== ROLLBACK_ONLY_VARIABLE);
  const argument = (text: z.ZodString) =>
    text
      .refine(
        (value) => !value.includes('\0'),
        `an argument of \`${setting}\` contains a NUL character, which no shell can pass on`,
      )
      .superRefine((value, ctx) => {
        for (const name of unknownTokens(value, allowed)) {
          ctx.addIssue({
            code: 'custom',
            message:
              name === ROLLBACK_ONLY_VARIABLE
                ? `{{${name}}} only has a value in \`rollbackCommand\``
                : `{{${name}}} is not a step variable: use one of ${allowed.map((known) => `{{${known}}}`).join(', ')}`,
          });
        }
      });
  return argvCommand(setting, {
    what: 'the command to run on each host',
    example: '["/opt/app/deploy.sh", "${version}"]',
    argument,
  }).refine((argv) => !argv[0]?.startsWith('-'), `the program in \`${setting}\` cannot start with "-"`);
}

const host = z
  .string({ error: 'every host must be a string, e.g. "web1.example.com" or "10.0.0.5:2222"' })
  .min(1, 'a host is empty: remove it or give it a name')
  .superRefine((entry, ctx) => {
    if (hasPlaceholder(entry)) return;
    try {
      parseHostAddress(entry);
    } catch (error) {
      if (!(error instanceof HostAddressError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  });

const fingerprint = z
  .string({ error: 'every host key must be a fingerprint string like "SHA256:…"' })
  .refine(
    (text) => hasPlaceholder(text) || FINGERPRINT.test(text),
    'a host key fingerprint looks like SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s (what `ssh-keygen -lf` prints)',
  );

const duration = z
  .string({ error: `\`connectTimeout\` must be a duration: ${DURATION_FORM}` })
  .refine(isPositiveDuration, `\`connectTimeout\` must be a duration above zero: ${DURATION_FORM}`);

function nonEmpty(setting: string, example: string) {
  return z
    .string({ error: `\`${setting}\` must be a string, e.g. ${example}` })
    .min(1, `\`${setting}\` is empty: give it a value, e.g. ${example}, or leave it out`);
}

export const sshConfigSchema = z
  .strictObject(
    {
      hosts: z
        .array(host, {
          error: (issue) =>
            issue.input === undefined
              ? '`hosts` is required: the machines to run the command on, e.g. ["web1.example.com", "web2.example.com:2222"]'
              : '`hosts` must be a list, e.g. ["web1.example.com", "web2.example.com:2222"]',
        })
        .min(1, '`hosts` is empty: list at least one machine'),
      user: z
        .string({ error: '`user` is required: the account to log in as on every host, e.g. deploy' })
        .min(1, '`user` is empty: give the account to log in as, e.g. deploy'),
      privateKey: nonEmpty('privateKey', '"${secret:DEPLOY_KEY}"').optional(),
      privateKeyFile: nonEmpty('privateKeyFile', 'keys/deploy_ed25519').optional(),
      knownHosts: nonEmpty('knownHosts', 'ssh/known_hosts').optional(),
      hostKeys: z
        .array(fingerprint, { error: '`hostKeys` must be a list of fingerprints, e.g. ["SHA256:…"]' })
        .min(1, '`hostKeys` is empty: list at least one fingerprint, or leave it out and use `knownHosts`')
        .optional(),
      insecureAcceptAnyHostKey: z
        .boolean({ error: '`insecureAcceptAnyHostKey` must be true or false (without quotes)' })
        .optional(),
      command: remoteCommand('command'),
      currentCommand: remoteCommand('currentCommand').optional(),
      rollbackCommand: remoteCommand('rollbackCommand').optional(),
      batchSize: z
        .number({ error: '`batchSize` must be a whole number of hosts, e.g. 2' })
        .int('`batchSize` must be a whole number of hosts, e.g. 2')
        .min(1, '`batchSize` must be at least 1')
        .optional(),
      connectTimeout: duration.optional(),
      env: environmentVariables.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown setting ${issue.keys.map((key) => `\`${key}\``).join(', ')}: an ssh component accepts ${SETTINGS}`
          : 'an ssh component needs a `with:` mapping with at least hosts, user, a key, host key checks and command',
    },
  )
  .superRefine((settings, ctx) => {
    if (settings.privateKey === undefined && settings.privateKeyFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateKey'],
        message:
          'the key to log in with is missing: give `privateKey: "${secret:DEPLOY_KEY}"` (the PEM text) or `privateKeyFile: keys/deploy_ed25519`',
      });
    }
    if (settings.privateKey !== undefined && settings.privateKeyFile !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['privateKeyFile'],
        message: 'give either `privateKey` or `privateKeyFile`, not both',
      });
    }
    const checksHostKeys = settings.knownHosts !== undefined || settings.hostKeys !== undefined;
    if (settings.insecureAcceptAnyHostKey === true && checksHostKeys) {
      ctx.addIssue({
        code: 'custom',
        path: ['insecureAcceptAnyHostKey'],
        message:
          '`insecureAcceptAnyHostKey: true` turns host key checks off, so `knownHosts` and `hostKeys` would be ignored: remove it',
      });
    }
    if (settings.insecureAcceptAnyHostKey !== true && !checksHostKeys) {
      ctx.addIssue({
        code: 'custom',
        path: ['knownHosts'],
        message:
          'Baton checks every host key before it runs anything: give `knownHosts` (a known_hosts file, e.g. made with ' +
          'ssh-keyscan) or `hostKeys` (fingerprints like SHA256:…)',
      });
    }
  });

export type SshConfig = z.infer<typeof sshConfigSchema>;
