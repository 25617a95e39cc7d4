/**
 * The bot's own routes: where the gateway is (GET /gateway/bot, which
 * discord.js asks before connecting), who the bot is, its application
 * commands (bulk overwrite, global and per guild), and the guild roles and
 * members a bot reads to decide who may do what.
 * https://discord.com/developers/docs/events/gateway#get-gateway-bot
 */
import { DiscordApiError, unknown } from './api-error.ts';
import { apiUser } from './guilds.ts';
import type { Route, RouteContext } from './routes.ts';
import type { StandInState } from './state.ts';

const SESSION_STARTS_PER_DAY = 1_000;
const DAY_MS = 86_400_000;

function ownApplication(state: StandInState, id: string | undefined): void {
  // Discord answers 403 Missing Access for another application's commands.
  if (id !== state.directory.applicationId) throw new DiscordApiError(403, 50001, 'Missing Access');
}

function guild(state: StandInState, id: string | undefined): string {
  if (id === undefined || !state.directory.hasGuild(id)) throw unknown('guild');
  return id;
}

function gatewayBot({ state }: RouteContext) {
  return {
    status: 200,
    body: {
      url: state.gateway.url,
      shards: 1,
      session_start_limit: {
        total: SESSION_STARTS_PER_DAY,
        remaining: Math.max(0, SESSION_STARTS_PER_DAY - state.gateway.identifyCount),
        reset_after: DAY_MS,
        max_concurrency: 1,
      },
    },
  };
}

export const APP_ROUTES: Route[] = [
  {
    method: 'GET',
    template: '/gateway',
    auth: 'none',
    handle: ({ state }) => ({ status: 200, body: { url: state.gateway.url } }),
  },
  { method: 'GET', template: '/gateway/bot', auth: 'bot', handle: gatewayBot },
  {
    method: 'GET',
    template: '/users/@me',
    auth: 'bot',
    handle: ({ state }) => ({
      status: 200,
      body: { ...apiUser(state.directory.botUser, true), verified: true, mfa_enabled: false, email: null },
    }),
  },
  {
    method: 'GET',
    template: '/applications/@me',
    auth: 'bot',
    handle: ({ state }) => ({ status: 200, body: state.directory.apiApplication(state.publicKey) }),
  },
  {
    method: 'GET',
    template: '/applications/{application.id}/commands',
    auth: 'bot',
    handle: ({ state, params }) => {
      ownApplication(state, params['application.id']);
      return { status: 200, body: state.commands.list() };
    },
  },
  {
    method: 'PUT',
    template: '/applications/{application.id}/commands',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      ownApplication(state, params['application.id']);
      return { status: 200, body: state.commands.overwrite(body.json) };
    },
  },
  {
    method: 'GET',
    template: '/applications/{application.id}/guilds/{guild.id}/commands',
    auth: 'bot',
    handle: ({ state, params }) => {
      ownApplication(state, params['application.id']);
      return { status: 200, body: state.commands.list(guild(state, params['guild.id'])) };
    },
  },
  {
    method: 'PUT',
    template: '/applications/{application.id}/guilds/{guild.id}/commands',
    auth: 'bot',
    handle: ({ state, params, body }) => {
      ownApplication(state, params['application.id']);
      return { status: 200, body: state.commands.overwrite(body.json, guild(state, params['guild.id'])) };
    },
  },
  {
    method: 'GET',
    template: '/guilds/{guild.id}/roles',
    auth: 'bot',
    handle: ({ state, params }) => ({ status: 200, body: state.directory.apiRoles(guild(state, params['guild.id'])) }),
  },
  {
    // List Guild Members: by user id ascending, `limit` (1–1000, default 1) after the id `after`.
    method: 'GET',
    template: '/guilds/{guild.id}/members',
    auth: 'bot',
    handle: ({ state, params, query }) => {
      const guildId = guild(state, params['guild.id']);
      const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? '1')));
      const after = BigInt(query.get('after') ?? '0');
      const members = state.directory
        .membersOf(guildId)
        .filter((member) => BigInt(member.id) > after)
        .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
        .slice(0, limit);
      return { status: 200, body: members.map((member) => state.directory.apiMember(guildId, member)) };
    },
  },
  {
    method: 'GET',
    template: '/guilds/{guild.id}/members/{user.id}',
    auth: 'bot',
    handle: ({ state, params }) => {
      const guildId = guild(state, params['guild.id']);
      const userId = params['user.id'] ?? '';
      const member = state.directory.findMember(guildId, userId);
      if (!member || member.id !== userId) throw unknown('member');
      return { status: 200, body: state.directory.apiMember(guildId, member) };
    },
  },
];
