/**
 * Decides whether the key a host offers is its real one, from a known_hosts
 * file or pinned fingerprints. No trust on first use: an unknown key is
 * refused, with the fingerprint offered and how to add it after checking it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { errorMessage } from '../../src/errors.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import type { HostAddress } from './host-address.ts';
import { knownHostsName, knownKeysFor, parseKnownHosts, revokedEntry, type KnownHostKey } from './known-hosts.ts';
import type { SshConfig } from './schema.ts';

export type HostKeyVerdict = { accepted: true; note: string } | { accepted: false; reason: string; advice: string };

export interface HostKeyTrust {
  /** True when nothing is checked; plans and logs say so loudly. */
  insecure: boolean;
  /** The host key algorithms to ask the host for, or undefined for ssh2's defaults. */
  algorithmsFor(host: HostAddress): ServerHostKeyAlgorithm[] | undefined;
  check(host: HostAddress, key: Buffer): HostKeyVerdict;
}

/** `SHA256:…` as `ssh-keygen -lf` prints it: unpadded base64 of the key blob's SHA-256. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name a key blob starts with (RFC 4253 §6.6), e.g. `ssh-ed25519`. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** ED25519, ECDSA, RSA: the names `ssh-keygen -l` shows. */
function shortKeyType(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  return keyType;
}

function hostKeyFileOnHost(keyType: string): string {
  const name = { ED25519: 'ed25519', ECDSA: 'ecdsa', RSA: 'rsa', DSA: 'dsa' }[shortKeyType(keyType)] ?? 'ed25519';
  return `/etc/ssh/ssh_host_${name}_key.pub`;
}

/** Algorithms ssh2 can verify, best first, by the key type a known_hosts line names. */
const ALGORITHMS_BY_KEY_TYPE: ReadonlyArray<[string, ServerHostKeyAlgorithm[]]> = [
  ['ssh-ed25519', ['ssh-ed25519']],
  ['ecdsa-sha2-nistp256', ['ecdsa-sha2-nistp256']],
  ['ecdsa-sha2-nistp384', ['ecdsa-sha2-nistp384']],
  ['ecdsa-sha2-nistp521', ['ecdsa-sha2-nistp521']],
  ['ssh-rsa', ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']],
  ['ssh-dss', ['ssh-dss']],
];

function describeKey(key: Buffer): string {
  return `${shortKeyType(keyTypeOf(key))} key ${fingerprintOf(key)}`;
}

/** How to trust a host key after checking it, as the end of a sentence. */
function trustSteps(host: HostAddress, key: Buffer, knownHostsFile: string | undefined): string {
  const fingerprint = fingerprintOf(key);
  const check =
    `check with the host's owner that ${fingerprint} is its real key (on the host, ` +
    `\`ssh-keygen -lf ${hostKeyFileOnHost(keyTypeOf(key))}\` prints it)`;
  const pin = `add "${fingerprint}" to \`hostKeys\``;
  if (knownHostsFile === undefined) return `${check}, then ${pin}`;
  return (
    `${check}, then run \`ssh-keyscan -p ${host.port} ${host.host} >> ${knownHostsFile}\` ` +
    `(and compare the fingerprint \`ssh-keygen -lf ${knownHostsFile}\` shows) or ${pin}`
  );
}

interface TrustSources {
  knownHostsFile?: string;
  knownHosts: KnownHostKey[];
  pinned: ReadonlySet<string>;
}

function checkAgainst(sources: TrustSources, host: HostAddress, key: Buffer): HostKeyVerdict {
  const offered = fingerprintOf(key);
  const { knownHostsFile, knownHosts, pinned } = sources;
  const revoked = revokedEntry(knownHosts, host.host, host.port, key);
  if (revoked) {
    return {
      accepted: false,
      reason: `revoked host key: it offered ${describeKey(key)}, which line ${revoked.line} of ${knownHostsFile} marks @revoked`,
      advice:
        "Baton never connects with a revoked key. Ask the host's owner to replace the host key, then add the new one after checking it.",
    };
  }
  if (pinned.has(offered)) return { accepted: true, note: `host key ${offered} is listed in hostKeys` };
  const known = knownKeysFor(knownHosts, host.host, host.port);
  const match = known.find((entry) => entry.key.equals(key));
  if (match) return { accepted: true, note: `host key ${offered} matches line ${match.line} of ${knownHostsFile}` };

  if (known.length > 0) {
    const listed = known.map((entry) => `${fingerprintOf(entry.key)} (line ${entry.line})`).join(', ');
    const name = knownHostsName(host.host, host.port);
    return {
      accepted: false,
      reason:
        `the host key has CHANGED: it offered ${describeKey(key)}, but ${knownHostsFile} lists ${listed}. ` +
        'Someone may be intercepting the connection, or the host was reinstalled or had its keys replaced',
      advice:
        `If the change is expected, remove the old key with \`ssh-keygen -R '${name}' -f ${knownHostsFile}\`, ` +
        `${trustSteps(host, key, knownHostsFile)}.`,
    };
  }
  const where = [
    knownHostsFile === undefined ? undefined : `not in ${knownHostsFile}`,
    pinned.size > 0 ? 'not among `hostKeys`' : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(' and ');
  return {
    accepted: false,
    reason: `unknown host: it offered ${describeKey(key)}, which is ${where}`,
    advice: `Baton does not trust a host on first use. To trust it, ${trustSteps(host, key, knownHostsFile)}.`,
  };
}

function acceptAnything(): HostKeyTrust {
  return {
    insecure: true,
    algorithmsFor: () => undefined,
    check: (_host, key) => ({
      accepted: true,
      note: `host key ${fingerprintOf(key)} accepted WITHOUT checking (insecureAcceptAnyHostKey)`,
    }),
  };
}

async function readKnownHosts(file: string): Promise<KnownHostKey[]> {
  try {
    return parseKnownHosts(await readFile(file, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TerminalStepError(
      missing
        ? `The known_hosts file ${file} (\`knownHosts\`) does not exist. \`knownHosts\` is relative to the config ` +
            'folder; create the file with `ssh-keyscan -p PORT HOST >> FILE` for each host, after checking the fingerprints.'
        : `Could not read the known_hosts file ${file} (\`knownHosts\`): ${errorMessage(error)}.`,
      { cause: error },
    );
  }
}

export async function loadHostKeyTrust(config: SshConfig, configDir: string): Promise<HostKeyTrust> {
  if (config.insecureAcceptAnyHostKey === true) return acceptAnything();
  const knownHostsFile = config.knownHosts === undefined ? undefined : resolve(configDir, config.knownHosts);
  const sources: TrustSources = {
    knownHosts: knownHostsFile === undefined ? [] : await readKnownHosts(knownHostsFile),
    pinned: new Set((config.hostKeys ?? []).map((fingerprint) => fingerprint.replace(/=+$/, ''))),
    ...(knownHostsFile === undefined ? {} : { knownHostsFile }),
  };
  return {
    insecure: false,
    // Ask for a key type known_hosts has, as ssh does: otherwise a host with several keys may offer another, unknown one.
    algorithmsFor: (host) => {
      if (sources.pinned.size > 0) return undefined;
      const knownTypes = new Set(knownKeysFor(sources.knownHosts, host.host, host.port).map((entry) => entry.keyType));
      const algorithms = ALGORITHMS_BY_KEY_TYPE.filter(([type]) => knownTypes.has(type)).flatMap(([, names]) => names);
      return algorithms.length > 0 ? algorithms : undefined;
    },
    check: (host, key) => checkAgainst(sources, host, key),
  };
}
