/**
 * Shared setup for the http adapter's tests: the CI server stand-in, settings
 * that deploy 2.0.0 to `dev` through it, and contexts that share a work folder
 * and step id the way attempts of one step do.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpConfigSchema, type HttpConfig } from '../../../adapters/http/schema.ts';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { startCiServerStandIn, type CiServerOptions, type CiServerStandIn } from '../../harness/ci-server/ci-server.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';

export const WEBHOOK_SECRET = 'whsec-stand-in-0123456789';
export const READ_TOKEN = 'ci-read-token-5f1c9a';

/** A poll fast enough for tests, with a timeout far above how long a stand-in run takes. */
const FAST_POLL = { interval: '100ms', timeout: '20s' };

function deployTrigger(server: CiServerStandIn, version: string) {
  return {
    url: `${server.url}/workflows/deploy/dispatches`,
    body: { ref: 'main', inputs: { version, environment: 'dev' } },
    hmac: { secret: WEBHOOK_SECRET },
    expectStatus: 201,
  };
}

function followRun() {
  return {
    url: '${trigger.headers.location}',
    headers: { Authorization: `Bearer ${READ_TOKEN}` },
    ...FAST_POLL,
    success: { jsonPath: '$.conclusion', equals: 'success' },
    failure: { jsonPath: '$.conclusion', in: ['failure', 'cancelled'] },
  };
}

/** Settings as written in a config file (placeholders of the core already resolved). */
export function deploySettings(server: CiServerStandIn, version = '2.0.0'): Record<string, unknown> {
  return {
    trigger: deployTrigger(server, version),
    poll: followRun(),
    outputs: { run_url: '$.html_url', run_id: '$.id', queued_at: '${trigger.headers.location}' },
    current: {
      url: `${server.url}/environments/dev`,
      headers: { Authorization: `Bearer ${READ_TOKEN}` },
      jsonPath: '$.version',
    },
    rollback: {
      trigger: deployTrigger(server, '{{rollbackTo}}'),
      poll: followRun(),
    },
  };
}

/** Anything but the settings, which always go through the schema as the core's do. */
export type ContextOverrides = Partial<Omit<AdapterContext<HttpConfig>, 'config'>>;

export interface Workspace {
  server: CiServerStandIn;
  workDir: string;
  /** The same step id on every call unless overridden: attempts of one step. */
  stepId: string;
  context(settings: unknown, overrides?: ContextOverrides): TestAdapterContext<HttpConfig>;
  remove(): Promise<void>;
}

export async function makeWorkspace(options: Partial<CiServerOptions> = {}): Promise<Workspace> {
  const server = await startCiServerStandIn({
    webhookSecret: WEBHOOK_SECRET,
    readToken: READ_TOKEN,
    deployed: { dev: '1.0.0' },
    ...options,
  });
  const workDir = await mkdtemp(join(tmpdir(), 'baton-http-'));
  const stepId = `step-${Math.random().toString(36).slice(2, 10)}`;
  return {
    server,
    workDir,
    stepId,
    context: (settings, overrides = {}) =>
      makeAdapterContext({
        config: httpConfigSchema.parse(settings),
        workDir,
        configDir: workDir,
        stepId,
        version: '2.0.0',
        previousVersion: '1.0.0',
        ...overrides,
      }),
    remove: async () => {
      await server.close();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof Error)) throw new Error(`expected an Error, got ${String(outcome.error)}`);
  return outcome.error;
}
