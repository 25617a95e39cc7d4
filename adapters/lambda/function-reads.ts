/** Read-only Lambda requests: what the function, one of its versions and the alias look like now. */
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import type { LambdaSession } from './session.ts';

/** `$LATEST`: the unpublished code that UpdateFunctionCode changes. */
export function readLatest(session: LambdaSession): Promise<FunctionConfiguration> {
  return session.call('GetFunctionConfiguration', (options) =>
    session.client.send(new GetFunctionConfigurationCommand({ FunctionName: session.functionName }), options),
  );
}

export function readVersion(session: LambdaSession, version: string): Promise<FunctionConfiguration> {
  return session.call(
    'GetFunctionConfiguration',
    (options) =>
      session.client.send(
        new GetFunctionConfigurationCommand({ FunctionName: session.functionName, Qualifier: version }),
        options,
      ),
    { subject: `version ${version} of ${session.functionName}` },
  );
}

/**
 * Null when Lambda has no such alias. Lambda answers the same way when the
 * function itself is missing, so callers that treat null as "not deployed yet"
 * confirm the function exists first.
 */
export function readAlias(session: LambdaSession): Promise<AliasConfiguration | null> {
  return session.call(
    'GetAlias',
    (options) =>
      session.client.send(new GetAliasCommand({ FunctionName: session.functionName, Name: session.alias }), options),
    { subject: session.aliasSubject, whenNotFound: () => null },
  );
}

/** The version the alias sends a share of traffic to besides its own, with that share (0–1). */
export function additionalWeights(alias: AliasConfiguration): Array<[version: string, weight: number]> {
  return Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
}
