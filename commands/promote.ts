import type { Reply } from '../src/chat/contract.ts';
import { channelText, textMessage } from '../src/chat/message.ts';
import { renderDryRun } from '../src/chat/render/dry-run-message.ts';
import { blockingChecks } from '../src/core/policy.ts';
import { describeRelease } from '../src/core/release.ts';
import { UsageError } from '../src/errors.ts';
import type { CommandDefinition } from './contract.ts';
import { releaseReferenceFrom } from '../src/core/release-reference.ts';
import { takeOptions } from './words.ts';

const USAGE =
  '/promote <release> to <env> [--dry-run] [--override "<reason>"]   (release: a name, api=1.4.2 worker=1.4.2, or an environment)';

export const promoteCommand: CommandDefinition<'promote'> = {
  name: 'promote',
  usage: USAGE,
  summary: 'Plan a release (or what another environment runs) into an environment and ask for approval.',
  examples: [
    '/promote api=1.4.2 worker=1.4.2 to staging',
    '/promote 2026.11.3 to production',
    '/promote staging to production --dry-run',
    '/promote 2026.11.4 to production --override "hotfix for the checkout outage"',
  ],
  parse(words) {
    const { rest, flags, values } = takeOptions(words, USAGE, { flags: ['dry-run'], values: ['override'] });
    const to = rest.lastIndexOf('to');
    if (to <= 0 || to !== rest.length - 2) {
      throw new UsageError(`Say what to promote and where: <release> to <env>.\nUsage: ${USAGE}`);
    }
    const override = values.get('override');
    return {
      name: 'promote',
      release: releaseReferenceFrom(rest.slice(0, to)),
      environment: rest[to + 1] ?? '',
      dryRun: flags.has('dry-run'),
      ...(override === undefined ? {} : { override }),
    };
  },
  async run(command, context): Promise<Reply> {
    const { release, fromEnvironment } = await context.promotions.resolveRelease(command.release);
    const request = {
      release,
      environment: command.environment,
      requestedBy: context.user,
      ...(fromEnvironment ? { fromEnvironment } : {}),
      ...(command.override === undefined ? {} : { override: command.override }),
    };
    if (command.dryRun) {
      return { visibility: 'private', message: renderDryRun(await context.promotions.dryRun(request)) };
    }
    const outcome = await context.promotions.request(request);
    if (outcome.outcome === 'refused') {
      const reasons = blockingChecks(outcome.checks).map((c) => `• ${c.rule}: ${c.message}`);
      return {
        visibility: 'private',
        message: textMessage(
          `Can't promote ${describeRelease(release)} to ${command.environment}:\n${reasons.join('\n')}`,
          'bad',
        ),
      };
    }
    const { promotion } = outcome;
    return {
      visibility: 'private',
      message: textMessage(
        `Planning promotion #${promotion.id} (${describeRelease(release)} → ${promotion.environment}); the plan appears in ${channelText(promotion.channel)} with its approval buttons.`,
        'active',
      ),
    };
  },
};
