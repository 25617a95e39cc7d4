/**
 * Channels Baton cannot post to until someone changes something there (the
 * bot was removed, the channel archived or deleted, a permission taken away).
 * Their records stay unposted; the operator is told once in the log and in
 * `/readyz`, people in `/promote status`; one stream probes the channel again
 * every `probeEveryMs`, and the first message that goes through clears it.
 */
import type { Logger } from '../core/capabilities.ts';
import type { ChatChannelUnusableError } from '../errors.ts';

export interface ChannelProblem {
  /** As the config names it. */
  channel: string;
  /** The platform's own word for it. */
  reason: string;
  remedy: string;
  /** ISO time of the first failure. */
  since: string;
}

export class ChannelProblems {
  private readonly problems = new Map<string, ChannelProblem & { probeAt: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly probeEveryMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  failed(channel: string, error: ChatChannelUnusableError): void {
    const known = this.problems.get(channel);
    const probeAt = this.now() + this.probeEveryMs;
    if (known?.reason === error.reason) {
      known.probeAt = probeAt;
      return;
    }
    const problem = { channel, reason: error.reason, remedy: error.remedy, since: new Date(this.now()).toISOString() };
    this.problems.set(channel, { ...problem, probeAt });
    this.logger.error(
      problem,
      `cannot post to ${channel}: ${error.reason}; its messages wait until it works again. ${error.remedy}`,
    );
  }

  worked(channel: string): void {
    const known = this.problems.get(channel);
    if (!known) return;
    this.problems.delete(channel);
    this.logger.info({ channel, since: known.since }, `${channel} takes messages again; its threads catch up`);
  }

  /** True while the channel is known not to work and it is not yet time to try it again; a caller told false is the probe. */
  holdsBack(channel: string): boolean {
    const known = this.problems.get(channel);
    if (!known) return false;
    if (this.now() < known.probeAt) return true;
    known.probeAt = this.now() + this.probeEveryMs;
    return false;
  }

  list(): ChannelProblem[] {
    return [...this.problems.values()].map(({ probeAt: _probeAt, ...problem }) => problem);
  }
}
