/**
 * Many bots with real processes on Slack (the Web API stand-in): two bots and
 * two workers share one Redis (and, when asked, one PostgreSQL for records).
 * 50 promotions to 10 environments, asked for at once through both bots, all
 * finish; each environment runs one at a time; every promotion has one root
 * message whose thread carries each of its audit records once, in order.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import type { AuditRecord } from '../../src/core/audit-record.ts';
import { isTerminal, type Promotion } from '../../src/core/model.ts';
import type { Engine } from '../../src/engine/contract.ts';
import type { PostedMessage } from '../harness/slack/messages.ts';
import { sendSlashCommand, type ReceiverAnswer } from '../harness/slack/signed-requests.ts';
import { startSlackStandIn, type SlackStandIn } from '../harness/slack/slack-stand-in.ts';
import type { ProcessScene } from '../support/process-scene.ts';
import { promotionIdOf, threadSequence } from '../support/slack-thread-records.ts';

const SIGNING_SECRET = 'many-bots-signing-secret';
const REQUESTER = 'UREQUEST01';
const ENVIRONMENTS = Array.from({ length: 10 }, (_, i) => ({
  name: `env-${i + 1}`,
  channel: `C0ENV${String(i + 1).padStart(5, '0')}`,
}));
const PER_ENVIRONMENT = 5;
/** The root message says these; the thread does not repeat them. */
const NOT_IN_THREAD = new Set(['promotion.requested', 'promotion.planned']);

const CONFIG = `version: 1
environments:
${ENVIRONMENTS.map((e) => `  - { name: ${e.name}, channel: ${e.channel} }`).join('\n')}
components:
  schema:
    adapter: script
    with: { apply: [node, -e, "setTimeout(() => {}, 100)"] }
  api:
    adapter: script
    needs: [schema]
    with: { apply: [node, -e, "setTimeout(() => {}, 100)"] }
`;

/** The promotion id in the bot's private answer to one command: in its acknowledgement, or later through its response_url. */
function answeredId(slack: SlackStandIn, ack: ReceiverAnswer | undefined, responseUrl: string): string | undefined {
  const later = slack.responses.find((response) => response.url === responseUrl);
  return /#(\d+)/.exec(ack?.body || JSON.stringify(later?.body ?? ''))?.[1];
}

function byId(a: { id: string }, b: { id: string }): number {
  return Number(a.id) - Number(b.id);
}

function interval(records: AuditRecord[]): { from: number; to: number } {
  const at = (type: string) => Date.parse(records.find((r) => r.type === type)?.at ?? '');
  return { from: at('promotion.started'), to: at('promotion.succeeded') };
}

/** Where the processes keep their records: the engine the checks read them through, and what the processes are told. */
export interface ManyBotsRecords {
  engine: Engine;
  /** Settings for the bots and workers besides REDIS_URL (DATABASE_URL, say). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function runManyBots(
  scene: ProcessScene,
  engines: { open(redisUrl: string, dir: string): Promise<ManyBotsRecords> },
): Promise<void> {
  const { dir, redis } = await scene.setUp({ redis: {} });
  if (!redis) throw new Error('no redis');
  const slack = await startSlackStandIn({ rateLimit: null });
  const records = await engines.open(redis.url, dir);
  const engine = records.engine;
  try {
    await writeFile(join(dir, 'baton.yaml'), CONFIG);
    const env = {
      REDIS_URL: redis.url,
      ...records.env,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
    };
    const common = ['-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data')];
    const [bots] = await Promise.all([
      Promise.all(
        [1, 2].map(() =>
          scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /requests at (http:\/\/\S+) /),
        ),
      ),
      Promise.all([1, 2].map(() => scene.start(['worker', ...common], env, /worker is running/))),
    ]);
    const eventsUrls = bots.map((bot) => bot.ready[1] ?? '');

    const requests = ENVIRONMENTS.flatMap((environment, k) =>
      Array.from({ length: PER_ENVIRONMENT }, (_, n) => {
        const version = `1.${k + 1}.${n + 1}`;
        const text = `schema=${version} api=${version} to ${environment.name}`;
        return { environment, text, responseUrl: slack.responseUrl({ user: REQUESTER, channel: environment.channel }) };
      }),
    );
    const send = (request: (typeof requests)[number], i: number, bot: number, options = {}) =>
      sendSlashCommand(
        eventsUrls[bot % 2] ?? '',
        SIGNING_SECRET,
        {
          user_id: REQUESTER,
          channel_id: request.environment.channel,
          text: request.text,
          response_url: request.responseUrl,
          trigger_id: `${1_700_000_000 + i}.1.ab`,
        },
        options,
      );
    const acks = await Promise.all(requests.map((request, i) => send(request, i, i)));
    expect(acks.map((ack) => ack.status)).toEqual(requests.map(() => 200));
    // Slack retries a delivery it thinks went unanswered; behind a load balancer the retry reaches the other bot.
    const retries = await Promise.all(
      requests.map((request, i) =>
        i % 10 === 0 ? send(request, i, i + 1, { retryNum: 1, retryReason: 'http_timeout' }) : undefined,
      ),
    );
    expect(retries.flatMap((retry) => (retry ? [retry.status] : []))).toEqual([200, 200, 200, 200, 200]);

    const unanswered = () =>
      requests
        .filter((request, i) => answeredId(slack, acks[i], request.responseUrl) === undefined)
        .map((request) => request.text);
    await expect.poll(unanswered, { timeout: 30_000, interval: 100 }).toEqual([]);
    const ids = requests.map((request, i) => answeredId(slack, acks[i], request.responseUrl) ?? '');
    expect(new Set(ids).size).toBe(requests.length);

    const promotions = () => Promise.all(ids.map((id) => engine.store.getPromotion(id)));
    const unfinished = async () =>
      (await promotions()).flatMap((p, i) =>
        p && isTerminal(p.state) ? [] : [`#${ids[i] ?? ''} ${p?.state ?? 'missing'}`],
      );
    await expect.poll(unfinished, { timeout: 60_000, interval: 250 }).toEqual([]);
    const finished = (await promotions()).filter((p): p is Promotion => p !== undefined);
    expect(await engine.store.listPromotions({})).toHaveLength(requests.length);
    expect(finished.map((p) => `#${p.id} ${p.state}`)).toEqual(ids.map((id) => `#${id} succeeded`));
    expect(finished.map((p) => p.environment)).toEqual(requests.map((r) => r.environment.name));

    const audits = new Map(
      await Promise.all(ids.map(async (id) => [id, await engine.store.readAudit(promotionStream(id))] as const)),
    );
    // Without contention for an environment, "one at a time" would prove nothing.
    expect([...audits.values()].flat().filter((r) => r.type === 'promotion.waiting').length).toBeGreaterThan(0);
    for (const environment of ENVIRONMENTS) {
      const runs = finished
        .filter((p) => p.environment === environment.name)
        .map((p) => ({ id: p.id, ...interval(audits.get(p.id) ?? []) }))
        .sort((a, b) => a.from - b.from);
      for (const [i, run] of runs.entries()) {
        expect(run.from, `#${run.id} in ${environment.name} started`).toBeLessThanOrEqual(run.to);
        const previous = runs[i - 1];
        if (previous)
          expect(
            run.from,
            `#${run.id} started before #${previous.id} finished in ${environment.name}`,
          ).toBeGreaterThanOrEqual(previous.to);
      }
      const last = finished.find((p) => p.id === runs.at(-1)?.id);
      expect((await engine.store.getLedger(environment.name)).api?.version, `what ${environment.name} runs`).toBe(
        last?.release.versions.api,
      );
    }

    // The outbox lags the audit log (and Slack allows a message a second per channel): poll until the threads settle.
    const expectedSequence = (id: string) =>
      (audits.get(id) ?? []).filter((r) => !NOT_IN_THREAD.has(r.type)).map((r) => r.seq);
    const expectedChat = ENVIRONMENTS.map((environment) => ({
      channel: environment.channel,
      promotions: finished
        .filter((p) => p.environment === environment.name)
        .map((p) => ({ id: p.id, rootMessages: 1, thread: expectedSequence(p.id), succeeded: true }))
        .sort(byId),
    }));
    const chat = () =>
      ENVIRONMENTS.map((environment) => {
        const roots = slack.channelMessages(environment.channel);
        const byPromotion = new Map<string, PostedMessage[]>();
        for (const root of roots) {
          const id = promotionIdOf(root) ?? `not a promotion: ${root.text}`;
          byPromotion.set(id, [...(byPromotion.get(id) ?? []), root]);
        }
        return {
          channel: environment.channel,
          promotions: [...byPromotion]
            .map(([id, messages]) => ({
              id,
              rootMessages: messages.length,
              thread: messages.flatMap(threadSequence),
              succeeded: messages.every((root) => root.text.includes('succeeded')),
            }))
            .sort(byId),
        };
      });
    await expect.poll(chat, { timeout: 30_000, interval: 250 }).toEqual(expectedChat);

    // The thread the store notes for each promotion is its one root message, whichever bot posted it.
    const roots = ENVIRONMENTS.flatMap((environment) => slack.channelMessages(environment.channel));
    const threads = await engine.store.threadsOf(ids);
    expect(ids.map((id) => threads.get(id))).toEqual(
      ids.map((id) => {
        const root = roots.find((message) => promotionIdOf(message) === id);
        return root && { channel: root.channel, messageId: root.ts };
      }),
    );
  } finally {
    await engine.queue.close();
    await engine.outbox.close();
    await engine.store.close();
    await slack.close();
    await records.cleanup();
  }
}
