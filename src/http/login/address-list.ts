/**
 * A list of IP addresses and CIDR ranges, such as the proxies whose word on
 * who a request comes from is taken.
 */
import { BlockList, isIP } from 'node:net';
import { BatonError, ErrorCode } from '../../errors.ts';

export interface AddressList {
  /** The entries as configured, for messages. */
  readonly entries: readonly string[];
  includes(address: string): boolean;
}

/** `::ffff:10.0.0.5` is how a dual-stack socket shows an IPv4 peer; the list means the IPv4 address. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** Parses "10.0.0.5, 10.1.0.0/16, fd00::/8"; throws a message naming `variable` for an entry that is neither. */
export function parseAddressList(text: string, variable: string): AddressList {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const list = new BlockList();
  for (const entry of entries) {
    const [rawAddress = '', prefixText, ...rest] = entry.split('/');
    const address = plainAddress(rawAddress);
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (
      family === 0 ||
      rest.length > 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > maxPrefix ||
      prefixText === ''
    ) {
      throw new BatonError(
        ErrorCode.ConfigInvalid,
        `${variable} has "${entry}", which is not an IP address or a CIDR range: write addresses and ranges separated by commas, e.g. 10.0.0.5,10.1.0.0/16,fd00::/8.`,
      );
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    entries,
    includes(peer) {
      const address = plainAddress(peer);
      const family = isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
