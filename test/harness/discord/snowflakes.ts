/**
 * Discord ids: snowflakes that carry their creation time (ms since the
 * Discord epoch, 2015-01-01) in the top bits, so `createdTimestamp` in
 * discord.js reads back a sensible date.
 */

const DISCORD_EPOCH = 1_420_070_400_000n;

export class Snowflakes {
  private increment = 0n;

  constructor(private readonly clock: () => number) {}

  next(): string {
    this.increment = (this.increment + 1n) & 0xfffn;
    return (
      ((BigInt(Math.floor(this.clock())) - DISCORD_EPOCH) << 22n) |
      (1n << 17n) |
      (1n << 12n) |
      this.increment
    ).toString();
  }
}

/** When a snowflake was made, ms since the Unix epoch. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}
