/**
 * Everything a step needs before it contacts a host: the parsed host list,
 * the login key and the host key checks. Problems here are the settings'
 * fault, so they fail the step once, before any host is touched.
 */
import type { AdapterContext } from '../kit/contract.ts';
import { parseDuration } from '../kit/durations.ts';
import { TerminalStepError } from '../kit/step-errors.ts';
import type { LoginSettings } from './connect.ts';
import { HostAddressError, parseHostAddress, type HostAddress } from './host-address.ts';
import { loadHostKeyTrust } from './host-key-check.ts';
import { loadLoginKey } from './private-key.ts';
import type { SshConfig } from './schema.ts';

export const DEFAULT_CONNECT_TIMEOUT = '15s';

export interface SshTarget {
  hosts: HostAddress[];
  login: LoginSettings;
}

function parseHosts(ctx: AdapterContext<SshConfig>): HostAddress[] {
  return ctx.config.hosts.map((entry) => {
    try {
      return parseHostAddress(entry);
    } catch (error) {
      if (!(error instanceof HostAddressError)) throw error;
      throw new TerminalStepError(ctx.redact(`\`hosts\` of ${ctx.component}: ${error.message}.`), { cause: error });
    }
  });
}

export async function prepareTarget(ctx: AdapterContext<SshConfig>): Promise<SshTarget> {
  const hosts = parseHosts(ctx);
  const [key, trust] = await Promise.all([
    loadLoginKey(ctx.config, ctx.configDir),
    loadHostKeyTrust(ctx.config, ctx.configDir),
  ]).catch((error: unknown) => {
    if (error instanceof TerminalStepError)
      throw new TerminalStepError(ctx.redact(error.message), { cause: error.cause });
    throw error;
  });
  return {
    hosts,
    login: {
      user: ctx.config.user,
      key,
      trust,
      connectTimeoutMs: parseDuration(ctx.config.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
    },
  };
}
