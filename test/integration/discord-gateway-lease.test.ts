/**
 * Discord's gateway with two bots on one Redis: only the holder of the
 * gateway lease connects (two connections would each receive every
 * interaction). When the holder is killed outright, the other bot takes the
 * lease over once it lapses, connects, and answers /promote.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { registerDiscordCommands } from '../../src/chat/discord/register.ts';
import { DEFAULT_MEMBERS, startDiscordStandIn } from '../harness/discord/discord-stand-in.ts';
import { until } from '../support/baton-process.ts';
import { messageText } from '../support/discord-scene.ts';
import { useProcessScene } from '../support/process-scene.ts';

const REQUESTER = DEFAULT_MEMBERS[0]?.id ?? '';
/** Short, so that the test waits seconds rather than Baton's default ten. */
const LEASE_MS = 3_000;
/** A standby tries for the lease every third of it, so it may find the lapse that much later; then it connects. */
const TAKEOVER_MS = LEASE_MS + LEASE_MS / 3 + 2_000;
const HOLDING = 'holding the Discord gateway';

const scene = useProcessScene();

it(
  'connects one bot of two to the gateway, and the other once the lease of the killed holder lapses; the new holder answers /promote',
  { timeout: 60_000 },
  async () => {
    const { dir, redis } = await scene.setUp({ redis: {} });
    if (!redis) throw new Error('no redis');
    const discord = await startDiscordStandIn({ rateLimits: null, heartbeatIntervalMs: 1_000 });
    try {
      await writeFile(
        join(dir, 'baton.yaml'),
        `version: 1
environments:
  - { name: dev, channel: "${discord.channelId}" }
components:
  api: { adapter: script, with: { apply: [node, -e, "0"] } }
`,
      );
      await registerDiscordCommands({ botToken: discord.token, apiUrl: discord.url }, discord.guildId);
      // No DISCORD_PUBLIC_KEY: interactions come over the gateway.
      const env = {
        REDIS_URL: redis.url,
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.url,
        DISCORD_GUILD_ID: discord.guildId,
        BATON_DISCORD_LEASE_MS: String(LEASE_MS),
      };
      const common = [
        'start',
        '-c',
        join(dir, 'baton.yaml'),
        '--data-dir',
        join(dir, 'data'),
        '--port',
        '0',
        '--workers',
        '1',
      ];
      const bots = await Promise.all([1, 2].map(() => scene.start(common, env, /on Discord \(gateway\)/)));
      const open = () => discord.gatewayConnections.filter((connection) => connection.closedAt === undefined);

      // Over more than a lease, with the standby asking for it every third: one connection, never a second.
      const watchedUntil = Date.now() + LEASE_MS + 1_000;
      while (Date.now() < watchedUntil) {
        expect(open().length).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(discord.connectionCount).toBe(1);
      expect(discord.identifyCount).toBe(1);
      const holders = bots.filter((bot) => bot.output().includes(HOLDING));
      expect(holders).toHaveLength(1);
      const [holder] = holders;
      const standby = bots.find((bot) => bot !== holder);
      if (!holder || !standby) throw new Error('no holder and standby');
      expect(holder.output()).toContain(`:${holder.child.pid ?? ''}:`);

      await holder.kill('SIGKILL');
      const killedAt = Date.now();
      // Connected, and ready: the bot says it holds the gateway once discord.js is ready, a moment after READY.
      const connected = () =>
        open().length === 1 &&
        open()[0]?.identified === true &&
        discord.connectionCount === 2 &&
        standby.output().includes(HOLDING);
      await until(async () => (connected() ? true : undefined), TAKEOVER_MS, 'the standby to connect');
      expect(Date.now() - killedAt).toBeLessThanOrEqual(TAKEOVER_MS);
      expect(discord.gatewayConnections[0]?.closedAt).toBeDefined();

      const outcome = await discord.slashCommand(REQUESTER, 'promote', { command: 'api=1.0.0 to dev' });
      expect(outcome.ephemeral).toBe(true);
      const id = /#(\d+)/.exec(outcome.content ?? '')?.[1];
      expect(id, outcome.content).toBeDefined();
      await discord.waitFor(
        () =>
          discord
            .messages(discord.channelId)
            .find((m) => messageText(m).includes(`Promotion #${id ?? ''}:`) && messageText(m).includes('succeeded')),
        15_000,
      );
      expect(discord.connectionCount).toBe(2);
    } finally {
      await discord.close();
    }
  },
);
