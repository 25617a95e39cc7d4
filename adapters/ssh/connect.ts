/**
 * Opens an authenticated SSH connection to one host with ssh2, and turns the
 * ways that can fail into a reason, advice for the person reading it, and
 * whether another attempt could pass.
 */
import ssh2 from 'ssh2';
import type { Client, ConnectConfig } from 'ssh2';
import { errorMessage } from '../../src/errors.ts';
import type { HostAddress } from './host-address.ts';
import type { HostKeyTrust, HostKeyVerdict } from './host-key-check.ts';
import type { LoginKey } from './private-key.ts';

/** How often to check a quiet connection is alive, and how many missed answers mean it is gone. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_MISSES = 4;

export interface LoginSettings {
  user: string;
  key: LoginKey;
  trust: HostKeyTrust;
  connectTimeoutMs: number;
}

export interface Connection {
  client: Client;
  /** How the host key was accepted, for the step log. */
  hostKeyNote: string;
}

/** Nothing ran on the host: the connection did not get as far as a command. */
export class ConnectFailure extends Error {
  readonly host: HostAddress;
  readonly reason: string;
  readonly advice: string;
  readonly retryable: boolean;

  constructor(host: HostAddress, reason: string, advice: string, retryable: boolean, options?: { cause?: unknown }) {
    super(`${reason}. ${advice}`, options);
    this.name = 'ConnectFailure';
    this.host = host;
    this.reason = reason;
    this.advice = advice;
    this.retryable = retryable;
  }
}

type SshError = Error & { level?: string; code?: string };

const NETWORK_CODES = new Set([
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'EHOSTDOWN',
  'EAI_AGAIN',
]);

function describeFailure(host: HostAddress, login: LoginSettings, error: SshError): ConnectFailure {
  if (error.level === 'client-authentication') {
    return new ConnectFailure(
      host,
      `user "${login.user}" may not log in with the key ${login.key.fingerprint}`,
      `Add the public key (\`ssh-keygen -y -f KEYFILE\` prints it) to ~${login.user}/.ssh/authorized_keys on the host, or fix \`user\`.`,
      false,
      { cause: error },
    );
  }
  if (error.level === 'client-timeout') {
    return new ConnectFailure(
      host,
      `no SSH handshake within ${Math.round(login.connectTimeoutMs / 1000)}s (\`connectTimeout\`)`,
      'Check that the host is up and sshd answers on that port; a busy host may need a longer `connectTimeout`.',
      true,
      { cause: error },
    );
  }
  if (error.code === 'ECONNREFUSED') {
    return new ConnectFailure(
      host,
      `connection refused: nothing listens on port ${host.port}`,
      'Check that sshd runs on the host and that the port in `hosts` is right.',
      true,
      { cause: error },
    );
  }
  if (error.code === 'ENOTFOUND') {
    return new ConnectFailure(
      host,
      `the host name ${host.host} does not resolve`,
      'Check the name in `hosts`.',
      false,
      {
        cause: error,
      },
    );
  }
  if (error.code !== undefined && NETWORK_CODES.has(error.code)) {
    return new ConnectFailure(
      host,
      `cannot be reached (${error.code})`,
      'Check the network path and firewalls between the Baton worker and the host.',
      true,
      { cause: error },
    );
  }
  if (error.level === 'handshake' && /host key/i.test(error.message)) {
    return new ConnectFailure(
      host,
      `offers no host key of the types known_hosts lists for it (${error.message})`,
      "Its host keys may have been replaced: check with the host's owner, then update `knownHosts`.",
      false,
      { cause: error },
    );
  }
  return new ConnectFailure(
    host,
    `the SSH connection failed: ${errorMessage(error)}`,
    'Check the host and its sshd log.',
    true,
    {
      cause: error,
    },
  );
}

export function connect(host: HostAddress, login: LoginSettings, signal: AbortSignal): Promise<Connection> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ConnectFailure(host, 'the step was stopped before connecting', 'Nothing ran on the host.', false));
      return;
    }
    const client = new ssh2.Client();
    let verdict: HostKeyVerdict | undefined;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (failure: ConnectFailure): void =>
      finish(() => {
        client.end();
        reject(failure);
      });
    const onAbort = (): void =>
      fail(new ConnectFailure(host, 'the step was stopped while connecting', 'Nothing ran on the host.', false));
    signal.addEventListener('abort', onAbort, { once: true });

    client.once('ready', () =>
      finish(() => resolve({ client, hostKeyNote: verdict?.accepted ? verdict.note : 'host key accepted' })),
    );
    client.on('error', (error: SshError) => {
      if (verdict !== undefined && !verdict.accepted) {
        fail(new ConnectFailure(host, verdict.reason, verdict.advice, false, { cause: error }));
      } else {
        fail(describeFailure(host, login, error));
      }
    });
    client.once('close', () =>
      fail(
        new ConnectFailure(
          host,
          'the host closed the connection before login completed',
          'Check the sshd log on the host.',
          true,
        ),
      ),
    );

    const algorithms = login.trust.algorithmsFor(host);
    const settings: ConnectConfig = {
      host: host.host,
      port: host.port,
      username: login.user,
      privateKey: login.key.privateKey,
      readyTimeout: login.connectTimeoutMs,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_MISSES,
      hostVerifier: (key: Buffer) => {
        verdict = login.trust.check(host, key);
        return verdict.accepted;
      },
      ...(algorithms === undefined ? {} : { algorithms: { serverHostKey: algorithms } }),
    };
    client.connect(settings);
  });
}
