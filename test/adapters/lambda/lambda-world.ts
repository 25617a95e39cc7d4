/**
 * A Lambda API stand-in seeded like a team's account: function report-worker
 * in eu-west-1, its builds in S3, version 1 published by Baton for release
 * 1.0.0, alias `dev` on it. Tests deploy 2.0.0 over it with the real AWS SDK.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import type { LambdaConfig } from '../../../adapters/lambda/schema.ts';
import { LambdaStandIn, type LambdaStandInOptions } from '../../harness/lambda/lambda-stand-in.ts';
import {
  zipContent,
  type AliasRecord,
  type FunctionRecord,
  type LambdaState,
} from '../../harness/lambda/lambda-state.ts';
import { makeAdapterContext, type TestAdapterContext } from '../context.ts';

export const FUNCTION_NAME = 'report-worker';
export const BUCKET = 'acme-builds';
export const REGION = 'eu-west-1';

/** AWS's documented example keys: fake, but shaped like real ones so leaks are easy to spot. */
export const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
] as const;

export function buildKey(version: string): string {
  return `builds/report-worker-${version}.zip`;
}

export function buildBytes(version: string): string {
  return `PK zip of report-worker ${version}`;
}

/**
 * Gives the SDK's default credential chain the example keys through the
 * environment, as CI would; returns a function that restores the variables.
 */
export function useExampleCredentials(): () => void {
  const saved = Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
  process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export interface LambdaWorld {
  standIn: LambdaStandIn;
  state: LambdaState;
  fn: FunctionRecord;
  settings(overrides?: Partial<LambdaConfig>): LambdaConfig;
  /** A step in `dev` deploying 2.0.0 over 1.0.0, with the stand-in's endpoint. */
  context(overrides?: Partial<AdapterContext<LambdaConfig>>): TestAdapterContext<LambdaConfig>;
  alias(name?: string): AliasRecord | undefined;
  /** A client of its own, to look at the stand-in the way an operator would. */
  client(): LambdaClient;
  close(): Promise<void>;
}

export async function startLambdaWorld(options: LambdaStandInOptions = {}): Promise<LambdaWorld> {
  const standIn = await LambdaStandIn.start({ region: REGION, ...options });
  const state = standIn.state;
  for (const version of ['1.0.0', '2.0.0']) state.uploadBuild(BUCKET, buildKey(version), buildBytes(version));
  const fn = state.createFunction(FUNCTION_NAME, 'Zip', zipContent(buildBytes('1.0.0')));
  state.publish(fn, 'baton step-seed 1.0.0');
  state.setAlias(fn, { name: 'dev', functionVersion: '1', description: '' });
  const contexts: TestAdapterContext<LambdaConfig>[] = [];
  const clients: LambdaClient[] = [];

  const settings = (overrides: Partial<LambdaConfig> = {}): LambdaConfig => ({
    function: FUNCTION_NAME,
    region: REGION,
    endpoint: standIn.endpoint,
    code: { s3Bucket: BUCKET, s3Key: buildKey('2.0.0') },
    ...overrides,
  });

  return {
    standIn,
    state,
    fn,
    settings,
    context: (overrides = {}) => {
      const ctx = makeAdapterContext<LambdaConfig>({
        config: settings(),
        component: 'worker',
        environment: 'dev',
        version: '2.0.0',
        previousVersion: '1.0.0',
        ...overrides,
      });
      contexts.push(ctx);
      return ctx;
    },
    alias: (name = 'dev') => {
      const alias = fn.aliases.get(name);
      return alias && structuredClone(alias);
    },
    client: () => {
      const client = new LambdaClient({ region: REGION, endpoint: standIn.endpoint });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) client.destroy();
      await Promise.all(contexts.map((ctx) => ctx.dispose()));
      await standIn.close();
    },
  };
}

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('expected the promise to reject with an Error');
  return error;
}
