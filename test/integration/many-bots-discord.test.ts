/**
 * Redis engine with real processes on Discord (the Discord stand-in, HTTP
 * interactions): two bots behind a round-robin load balancer and two workers
 * share one Redis. 50 promotions to 10 environments, asked for at once, all
 * finish, one at a time per environment; every promotion has one plan message
 * whose thread carries each of its audit records once, in order. A delivery
 * sent again (to the same bot or the other) acts once, whether it races the
 * first or comes after it was answered.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { promotionStream } from '../../src/core/audit.ts';
import type { AuditRecord } from '../../src/core/audit-record.ts';
import { isTerminal, type Promotion } from '../../src/core/model.ts';
import { registerDiscordCommands } from '../../src/chat/discord/register.ts';
import { DISCORD_INTERACTIONS_PATH } from '../../src/chat/discord/settings.ts';
import { createRedisEngine } from '../../src/engine/redis/index.ts';
import {
  DEFAULT_GUILD_ID,
  DEFAULT_MEMBERS,
  startDiscordStandIn,
  type DiscordStandIn,
  type InteractionOutcome,
  type StoredMessage,
} from '../harness/discord/discord-stand-in.ts';
import { messageText } from '../support/discord-scene.ts';
import { useProcessScene } from '../support/process-scene.ts';
import { startRoundRobinProxy } from '../support/round-robin-proxy.ts';
import { silentLogger } from '../support/silent-logger.ts';

const REQUESTER = DEFAULT_MEMBERS[0]?.id ?? '';
const ENVIRONMENTS = Array.from({ length: 10 }, (_, i) => ({
  name: `env-${i + 1}`,
  channel: `14000000000000002${String(i + 1).padStart(2, '0')}`,
}));
const PER_ENVIRONMENT = 5;
/** The plan message says these; the thread does not repeat them. */
const NOT_IN_THREAD = new Set(['promotion.requested', 'promotion.planned']);
/** Discord's answer to a delivery that was not acted on: nothing to say. */
const NOT_ACTED = 204;

// Discord ids are snowflakes: quoted, or YAML reads them as numbers and loses digits.
const CONFIG = `version: 1
environments:
${ENVIRONMENTS.map((e) => `  - { name: ${e.name}, channel: "${e.channel}" }`).join('\n')}
components:
  schema:
    adapter: script
    with: { apply: [node, -e, "setTimeout(() => {}, 100)"] }
  api:
    adapter: script
    needs: [schema]
    with: { apply: [node, -e, "setTimeout(() => {}, 100)"] }
`;

const scene = useProcessScene();

function byId(a: { id: string }, b: { id: string }): number {
  return Number(a.id) - Number(b.id);
}

function interval(records: AuditRecord[]): { from: number; to: number } {
  const at = (type: string) => Date.parse(records.find((r) => r.type === type)?.at ?? '');
  return { from: at('promotion.started'), to: at('promotion.succeeded') };
}

/** The audit records a thread shows, by sequence number: each reply's embed footer ends every record it carries with `· #seq`. */
function threadSequence(discord: DiscordStandIn, root: StoredMessage): number[] {
  return discord
    .messages(root.id)
    .flatMap((reply) =>
      reply.embeds.map((embed) => String((embed.footer as { text?: string } | undefined)?.text ?? '')),
    )
    .flatMap((footer) => [...footer.matchAll(/ · #(\d+)(?= · |$)/g)].map((match) => Number(match[1])));
}

const promotionIdOf = (message: StoredMessage) => /Promotion #(\d+):/.exec(messageText(message))?.[1];

it(
  'runs 50 promotions to 10 environments from two bots and two workers on Discord, one at a time per environment, every thread complete, a retried delivery acting once',
  { timeout: 90_000 },
  async () => {
    const { dir, redis } = await scene.setUp({ redis: {} });
    if (!redis) throw new Error('no redis');
    const discord = await startDiscordStandIn({
      rateLimits: null,
      guilds: [
        {
          id: DEFAULT_GUILD_ID,
          channels: ENVIRONMENTS.map((e) => ({ id: e.channel, name: e.name })),
          members: DEFAULT_MEMBERS,
        },
      ],
    });
    const engine = await createRedisEngine({ url: redis.url, logger: silentLogger });
    let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>> | undefined;
    try {
      await writeFile(join(dir, 'baton.yaml'), CONFIG);
      await registerDiscordCommands({ botToken: discord.token, apiUrl: discord.url }, discord.guildId);
      const env = {
        REDIS_URL: redis.url,
        DISCORD_TOKEN: discord.token,
        DISCORD_PUBLIC_KEY: discord.publicKey,
        DISCORD_API_URL: discord.url,
        DISCORD_GUILD_ID: discord.guildId,
      };
      const common = ['-c', join(dir, 'baton.yaml'), '--data-dir', join(dir, 'data')];
      const [bots] = await Promise.all([
        Promise.all(
          [1, 2].map(() =>
            scene.start(['start', ...common, '--port', '0', '--workers', '0'], env, /interactions at (http:\/\/\S+) /),
          ),
        ),
        Promise.all([1, 2].map(() => scene.start(['worker', ...common], env, /worker is running/))),
      ]);
      const endpoints = bots.map((bot) => bot.ready[1] ?? '');
      proxy = await startRoundRobinProxy(endpoints.map((endpoint) => new URL(endpoint).origin));
      const balanced = `${proxy.url}${DISCORD_INTERACTIONS_PATH}`;
      discord.setInteractionsEndpoint(balanced);

      const requests = ENVIRONMENTS.flatMap((environment, k) =>
        Array.from({ length: PER_ENVIRONMENT }, (_, n) => {
          const version = `1.${k + 1}.${n + 1}`;
          return { environment, version, text: `schema=${version} api=${version} to ${environment.name}` };
        }),
      );
      /** Sends an interaction's own signed payload again, straight to one bot, as a retry reaches a replica. */
      const resend = (payload: Record<string, unknown>, endpoint: string) => {
        // The stand-in delivers to the endpoint set when a delivery starts; the proxy is put back before anything else is sent.
        discord.setInteractionsEndpoint(endpoint);
        const answer = discord.sendSigned(payload);
        discord.setInteractionsEndpoint(balanced);
        return answer;
      };
      const payloadOf = (text: string) => {
        const record = discord.interactions.find((r) => JSON.stringify(r.payload.data).includes(`"${text}"`));
        if (!record) throw new Error(`no interaction for "${text}"`);
        return record.payload;
      };

      // Every tenth request is delivered to both bots again while its first delivery is under way.
      const racing = new Set(requests.flatMap((_, i) => (i % 10 === 0 ? [i] : [])));
      const outcomes: Promise<InteractionOutcome>[] = [];
      const raced: Promise<{ status: number; body: unknown }[]>[] = [];
      for (const [i, request] of requests.entries()) {
        outcomes.push(
          discord.slashCommand(
            REQUESTER,
            'promote',
            { command: request.text },
            { channel: request.environment.channel },
          ),
        );
        if (racing.has(i))
          raced.push(Promise.all(endpoints.map((endpoint) => resend(payloadOf(request.text), endpoint))));
      }
      const answered = await Promise.all(outcomes);
      const races = await Promise.all(raced);
      expect(proxy.counts().every((count) => count === requests.length / 2)).toBe(true);

      // Of the three deliveries of a raced interaction, exactly one acted (answered with a response); the others were told nothing.
      const racedStatuses = [...racing].map((i, r) => [
        answered[i]?.delivery?.status,
        ...(races[r] ?? []).map((answer) => answer.status),
      ]);
      expect(racedStatuses.map((statuses) => statuses.filter((status) => status === 200).length)).toEqual(
        [...racing].map(() => 1),
      );
      expect(
        racedStatuses
          .flat()
          .filter((status) => status !== 200)
          .every((status) => status === NOT_ACTED),
      ).toBe(true);
      for (const [i, outcome] of answered.entries()) {
        if (!racing.has(i)) expect(outcome.delivery?.status, requests[i]?.text).toBe(200);
      }
      // A late retry, once the first delivery was answered, to each bot: neither acts.
      const late = await Promise.all(
        requests.flatMap((request, i) =>
          i % 10 === 5 ? endpoints.map((endpoint) => resend(payloadOf(request.text), endpoint)) : [],
        ),
      );
      expect(late.map((answer) => answer.status)).toEqual(late.map(() => NOT_ACTED));

      // One promotion per request, whichever delivery made it.
      const requested = await engine.store.listPromotions({});
      expect(requested).toHaveLength(requests.length);
      const ids = requests.map((request) => {
        const made = requested.filter(
          (p) => p.environment === request.environment.name && p.release.versions.api === request.version,
        );
        expect(made, request.text).toHaveLength(1);
        return made[0]?.id ?? '';
      });
      // Each person saw the promotion's number: in the response, or, when it took longer, in the response edited.
      const unanswered = () =>
        answered.flatMap((outcome, i) =>
          (racing.has(i) && outcome.delivery?.status !== 200) || (outcome.content ?? '').includes(`#${ids[i] ?? ''}`)
            ? []
            : [requests[i]?.text],
        );
      await expect.poll(unanswered, { timeout: 15_000, interval: 100 }).toEqual([]);

      const promotions = () => Promise.all(ids.map((id) => engine.store.getPromotion(id)));
      const unfinished = async () =>
        (await promotions()).flatMap((p, i) =>
          p && isTerminal(p.state) ? [] : [`#${ids[i] ?? ''} ${p?.state ?? 'missing'}`],
        );
      await expect.poll(unfinished, { timeout: 40_000, interval: 250 }).toEqual([]);
      const finished = (await promotions()).filter((p): p is Promotion => p !== undefined);
      expect(finished.map((p) => `#${p.id} ${p.state}`)).toEqual(ids.map((id) => `#${id} succeeded`));

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

      // The outbox lags the audit log: poll until the threads settle.
      const expectedSequence = (id: string) =>
        (audits.get(id) ?? []).filter((r) => !NOT_IN_THREAD.has(r.type)).map((r) => r.seq);
      const expectedChat = ENVIRONMENTS.map((environment) => ({
        channel: environment.channel,
        promotions: finished
          .filter((p) => p.environment === environment.name)
          .map((p) => ({ id: p.id, planMessages: 1, thread: expectedSequence(p.id), succeeded: true }))
          .sort(byId),
      }));
      const chat = () =>
        ENVIRONMENTS.map((environment) => {
          const byPromotion = new Map<string, StoredMessage[]>();
          for (const root of discord.messages(environment.channel)) {
            const id = promotionIdOf(root) ?? `not a promotion: ${messageText(root)}`;
            byPromotion.set(id, [...(byPromotion.get(id) ?? []), root]);
          }
          return {
            channel: environment.channel,
            promotions: [...byPromotion]
              .map(([id, messages]) => ({
                id,
                planMessages: messages.length,
                thread: messages.flatMap((root) => threadSequence(discord, root)),
                succeeded: messages.every((root) => messageText(root).includes('succeeded')),
              }))
              .sort(byId),
          };
        });
      await expect.poll(chat, { timeout: 30_000, interval: 250 }).toEqual(expectedChat);
      // One thread per promotion, each started from its plan message in the environment's channel.
      const threads = discord.threads();
      expect(threads).toHaveLength(requests.length);
      expect(new Set(threads.map((thread) => thread.id)).size).toBe(requests.length);
    } finally {
      await proxy?.close();
      await engine.queue.close();
      await engine.outbox.close();
      await engine.store.close();
      await discord.close();
    }
  },
);
