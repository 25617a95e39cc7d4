/**
 * A `hosts` entry: `host`, `host:port`, `[v6-address]:port` or a bare IPv6
 * address, the forms people copy from ssh and known_hosts.
 */

export const DEFAULT_SSH_PORT = 22;

export interface HostAddress {
  /** The entry as written in the settings: how logs and messages name the host. */
  entry: string;
  host: string;
  port: number;
}

export class HostAddressError extends Error {
  constructor(entry: string, why: string) {
    super(
      `"${entry}" is not a host: ${why}. Write host or host:port, e.g. web1.example.com or 10.0.0.5:2222 ([2001:db8::5]:2222 for IPv6)`,
    );
    this.name = 'HostAddressError';
  }
}

const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const IPV6 = /^[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?$/;

function parsePort(entry: string, text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65_535))
    throw new HostAddressError(entry, `the port "${text}" is not a number from 1 to 65535`);
  return port;
}

export function parseHostAddress(entry: string): HostAddress {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(entry);
  if (bracketed) {
    const [, host = '', port] = bracketed;
    if (!IPV6.test(host)) throw new HostAddressError(entry, 'only IPv6 addresses go in [brackets]');
    return { entry, host, port: port === undefined ? DEFAULT_SSH_PORT : parsePort(entry, port) };
  }
  const colons = entry.split(':').length - 1;
  if (colons > 1) {
    if (!IPV6.test(entry)) throw new HostAddressError(entry, 'it has several colons but is not an IPv6 address');
    return { entry, host: entry, port: DEFAULT_SSH_PORT };
  }
  const [host = '', port] = entry.split(':');
  if (!HOST_NAME.test(host)) throw new HostAddressError(entry, 'a host name has letters, digits, dots and dashes only');
  return { entry, host, port: port === undefined ? DEFAULT_SSH_PORT : parsePort(entry, port) };
}
