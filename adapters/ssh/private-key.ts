/**
 * The key Baton logs in with, from `privateKey` (PEM text, usually a secret)
 * or `privateKeyFile`, checked before any host is contacted so a bad key
 * fails the step once, with a clear message, instead of once per host.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import ssh2 from 'ssh2';
import { errorMessage } from '../../src/errors.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import { fingerprintOf } from './host-key-check.ts';
import type { SshConfig } from './schema.ts';

export interface LoginKey {
  privateKey: string;
  /** Of the public half: what to look for in a host's authorized_keys. */
  fingerprint: string;
}

/**
 * Secrets kept in environment variables often have their newlines written as
 * `\n`; a PEM block without a single real newline cannot be anything else.
 */
function restoreNewlines(text: string): string {
  return !text.includes('\n') && text.includes('\\n') ? text.replaceAll('\\n', '\n') : text;
}

async function keyText(config: SshConfig, configDir: string): Promise<{ text: string; source: string }> {
  if (config.privateKeyFile === undefined) {
    return { text: restoreNewlines(config.privateKey ?? ''), source: '`privateKey`' };
  }
  const file = resolve(configDir, config.privateKeyFile);
  try {
    return { text: await readFile(file, 'utf8'), source: `the key file ${file} (\`privateKeyFile\`)` };
  } catch (error) {
    throw new TerminalStepError(
      `Could not read the key file ${file} (\`privateKeyFile\`, relative to the config folder): ${errorMessage(error)}. ` +
        'Fix the path, or give the key as `privateKey: "${secret:DEPLOY_KEY}"`.',
      { cause: error },
    );
  }
}

export async function loadLoginKey(config: SshConfig, configDir: string): Promise<LoginKey> {
  const { text, source } = await keyText(config, configDir);
  const parsed = ssh2.utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error || !key.isPrivateKey()) {
    const why = key instanceof Error ? key.message : 'it holds a public key, not a private one';
    const fix = /passphrase/i.test(why)
      ? 'The key is protected by a passphrase, which Baton cannot type: use a dedicated deploy key without one ' +
        "(`ssh-keygen -t ed25519 -N '' -f deploy_ed25519`) and keep it as a secret."
      : 'Give the whole private key, from its -----BEGIN line to its -----END line (OpenSSH or PEM format).';
    throw new TerminalStepError(`${source} is not a private key Baton can use (${why}). ${fix}`);
  }
  return { privateKey: text, fingerprint: fingerprintOf(key.getPublicSSH()) };
}
