/**
 * Opens one PostgreSQL session for a step and says, when it cannot, whether
 * another attempt could help: a database that is restarting or unreachable
 * may come back; a refused login or a missing database will not.
 */
import pg from 'pg';
import { errorMessage } from '../../src/errors.ts';
import type { AdapterContext } from '../kit/contract.ts';
import { RetryableStepError, TerminalStepError } from '../kit/step-errors.ts';
import { describeDatabase, shown } from './connection-url.ts';
import type { SqlMigrationsConfig } from './schema.ts';

type Context = AdapterContext<SqlMigrationsConfig>;

const CONNECT_TIMEOUT_MS = 10_000;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// 57P03: the server is starting up or shutting down; 53300: too many connections.
const BUSY_SERVER = new Set(['57P03', '53300']);

export interface Session {
  client: pg.Client;
  /** The server process of this session, for cancelling its statement from another one. */
  backendPid: number;
  /** `database "app" on db:5432 as baton`, for messages. */
  target: string;
  close(): Promise<void>;
}

function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

function systemCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function connectFailure(ctx: Context, target: string, error: unknown): Error {
  const state = sqlState(error) ?? '';
  const code = systemCode(error) ?? '';
  const start = `Could not connect to ${target} for ${ctx.component} in ${ctx.environment}`;
  if (code === 'ERR_INVALID_URL') {
    return new TerminalStepError(
      shown(
        ctx,
        `${start}: \`url\` is not a valid connection URL (its value is hidden). Write it as postgres://user:password@host:5432/database, percent-encoding special characters in the password.`,
      ),
    );
  }
  if (state.startsWith('28')) {
    return new TerminalStepError(
      shown(
        ctx,
        `${start}: PostgreSQL refused the login (${errorMessage(error)}, SQLSTATE ${state}). Check the user and password in the secret behind \`url\`.`,
      ),
    );
  }
  if (state === '3D000') {
    return new TerminalStepError(
      shown(
        ctx,
        `${start}: ${errorMessage(error)}. Create the database, or fix its name in the secret behind \`url\`.`,
      ),
    );
  }
  const busy = BUSY_SERVER.has(state) || state.startsWith('08');
  const unreachable = UNREACHABLE.has(code) || /timeout|terminated/i.test(errorMessage(error));
  if (busy || unreachable || state === '') {
    return new RetryableStepError(
      shown(
        ctx,
        `${start}: ${errorMessage(error)}${state === '' ? '' : ` (SQLSTATE ${state})`}. The step will be tried again; if it keeps failing, check that the server is up and reachable from the Baton worker.`,
      ),
    );
  }
  return new TerminalStepError(shown(ctx, `${start}: ${errorMessage(error)} (SQLSTATE ${state}).`));
}

function newClient(ctx: Context, target: string): pg.Client {
  try {
    return new pg.Client({
      connectionString: ctx.config.url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: `baton sql-migrations ${ctx.component}`,
    });
  } catch (error) {
    // The URL parser's error carries the URL it refused; only the description leaves here.
    throw connectFailure(ctx, target, error);
  }
}

export async function openSession(ctx: Context): Promise<Session> {
  const target = describeDatabase(ctx.config.url);
  const client = newClient(ctx, target);
  // Without a listener, a connection the server drops while idle would crash the worker.
  client.on('error', (error) => ctx.log(shown(ctx, `lost the connection to ${target}: ${errorMessage(error)}`)));
  client.on('notice', (notice) => ctx.log(shown(ctx, `${notice.severity ?? 'NOTICE'}: ${notice.message}`)));
  const close = async () => {
    await client.end().catch(() => undefined);
  };
  try {
    await client.connect();
    const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { client, backendPid: result.rows[0]?.pid ?? 0, target, close };
  } catch (error) {
    await close();
    throw connectFailure(ctx, target, error);
  }
}
