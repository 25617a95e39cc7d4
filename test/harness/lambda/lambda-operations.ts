/**
 * The Lambda API operations the stand-in serves (API version 2015-03-31),
 * with the behaviour and limits AWS documents for them: a code update runs
 * `InProgress` for a while and refuses other changes meanwhile (409), revision
 * ids guard against lost updates (412), PublishVersion checks CodeSha256 and
 * returns the latest version when nothing changed, an alias routes extra
 * traffic to at most one other published version.
 */
import { randomUUID } from 'node:crypto';
import { invalidParameter, preconditionFailed, resourceConflict, resourceNotFound } from './api-error.ts';
import {
  imageContent,
  lambdaTimestamp,
  zipContent,
  type AliasRecord,
  type CodeContent,
  type FunctionRecord,
  type LambdaState,
  type VersionRecord,
} from './lambda-state.ts';

export type LambdaOperation =
  'GetFunctionConfiguration' | 'UpdateFunctionCode' | 'PublishVersion' | 'GetAlias' | 'CreateAlias' | 'UpdateAlias';

export interface OperationResult {
  status: number;
  body: unknown;
}

/** The request body fields the operations read; the SDK sends JSON with these names. */
export interface RequestBody {
  S3Bucket?: string;
  S3Key?: string;
  ImageUri?: string;
  ZipFile?: string;
  RevisionId?: string;
  CodeSha256?: string;
  Description?: string;
  Name?: string;
  FunctionVersion?: string;
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
}

const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;

function configurationJson(state: LambdaState, record: FunctionRecord, version: VersionRecord): unknown {
  const arn = state.functionArn(record.name);
  const zip = record.packageType === 'Zip';
  return {
    FunctionName: record.name,
    FunctionArn: version.version === '$LATEST' ? arn : `${arn}:${version.version}`,
    Runtime: zip ? 'nodejs20.x' : undefined,
    Handler: zip ? 'index.handler' : undefined,
    Role: `arn:aws:iam::${state.accountId}:role/${record.name}`,
    CodeSize: version.codeSize,
    Description: version.description,
    Timeout: 30,
    MemorySize: 512,
    LastModified: version.lastModified,
    CodeSha256: version.codeSha256,
    Version: version.version,
    RevisionId: version.revisionId,
    State: 'Active',
    LastUpdateStatus: version.lastUpdateStatus,
    LastUpdateStatusReason: version.lastUpdateStatusReason,
    LastUpdateStatusReasonCode: version.lastUpdateStatusReasonCode,
    PackageType: record.packageType,
    Architectures: ['x86_64'],
  };
}

function aliasJson(state: LambdaState, record: FunctionRecord, alias: AliasRecord): unknown {
  return {
    AliasArn: `${state.functionArn(record.name)}:${alias.name}`,
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    RoutingConfig: alias.weights ? { AdditionalVersionWeights: alias.weights } : undefined,
    RevisionId: alias.revisionId,
  };
}

function refuseWhileUpdating(state: LambdaState, record: FunctionRecord): void {
  if (record.latest.lastUpdateStatus === 'InProgress') {
    throw resourceConflict(
      `The operation cannot be performed at this time. An update is in progress for resource: ${state.functionArn(record.name)}`,
    );
  }
}

function versionOf(state: LambdaState, record: FunctionRecord, qualifier: string): VersionRecord {
  if (qualifier === '$LATEST') return record.latest;
  const alias = record.aliases.get(qualifier);
  const version = record.versions.get(alias ? alias.functionVersion : qualifier);
  if (!version) throw resourceNotFound(`Function not found: ${state.functionArn(record.name)}:${qualifier}`);
  return version;
}

function codeFrom(state: LambdaState, record: FunctionRecord, body: RequestBody): CodeContent {
  if (record.packageType === 'Image') {
    if (body.ImageUri === undefined) {
      throw invalidParameter('Please provide ImageUri when updating a function with packageType Image.');
    }
    if (!state.images.has(body.ImageUri)) {
      throw invalidParameter(`Source image ${body.ImageUri} does not exist. Provide a valid source image.`);
    }
    return imageContent(body.ImageUri);
  }
  if (body.ImageUri !== undefined) {
    throw invalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.");
  }
  if (body.S3Bucket === undefined || body.S3Key === undefined) {
    throw invalidParameter(
      'Please provide a source for function code (S3Bucket and S3Key; the stand-in takes no ZipFile).',
    );
  }
  const bytes = state.s3Objects.get(`${body.S3Bucket}/${body.S3Key}`);
  if (bytes === undefined) {
    throw invalidParameter(
      'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.',
    );
  }
  return zipContent(bytes);
}

export function getFunctionConfiguration(state: LambdaState, name: string, qualifier: string | null): OperationResult {
  const record = state.lookUp(name);
  return { status: 200, body: configurationJson(state, record, versionOf(state, record, qualifier ?? '$LATEST')) };
}

/** `$LATEST` takes the new code at once and reports `InProgress` until `updateDurationMs` have passed. */
export function updateFunctionCode(
  state: LambdaState,
  name: string,
  body: RequestBody,
  updateDurationMs: number,
): OperationResult {
  const record = state.lookUp(name);
  refuseWhileUpdating(state, record);
  if (body.RevisionId !== undefined && body.RevisionId !== record.latest.revisionId)
    throw preconditionFailed('GetFunction');
  const code = codeFrom(state, record, body);
  startUpdate(record, code, updateDurationMs);
  return { status: 200, body: configurationJson(state, record, record.latest) };
}

/** Also how a test makes "someone else" update the function. */
export function startUpdate(record: FunctionRecord, code: CodeContent, updateDurationMs: number): void {
  const previous: CodeContent = { codeSha256: record.latest.codeSha256, codeSize: record.latest.codeSize };
  Object.assign(record.latest, code, {
    revisionId: randomUUID(),
    lastModified: lambdaTimestamp(),
    lastUpdateStatus: 'InProgress',
    lastUpdateStatusReason: undefined,
    lastUpdateStatusReasonCode: undefined,
  });
  const failure = record.nextUpdateFailure;
  record.nextUpdateFailure = undefined;
  record.finishUpdate = () => {
    clearTimeout(record.updateTimer);
    record.finishUpdate = undefined;
    // A failed update leaves the function on its previous code, with the reason.
    Object.assign(record.latest, failure ? previous : {}, {
      revisionId: randomUUID(),
      lastUpdateStatus: failure ? 'Failed' : 'Successful',
      lastUpdateStatusReason: failure?.reason,
      lastUpdateStatusReasonCode: failure?.reasonCode,
    });
  };
  record.updateTimer = setTimeout(record.finishUpdate, updateDurationMs);
  record.updateTimer.unref();
}

export function publishVersion(state: LambdaState, name: string, body: RequestBody): OperationResult {
  const record = state.lookUp(name);
  refuseWhileUpdating(state, record);
  if (body.RevisionId !== undefined && body.RevisionId !== record.latest.revisionId)
    throw preconditionFailed('GetFunction');
  if (body.CodeSha256 !== undefined && body.CodeSha256 !== record.latest.codeSha256) {
    throw invalidParameter(
      `CodeSHA256 (${body.CodeSha256}) is different from current CodeSHA256 in $LATEST (${record.latest.codeSha256}). Please try publishing again.`,
    );
  }
  const last = record.versions.get(String(record.lastPublished));
  if (last && last.codeSha256 === record.latest.codeSha256) {
    return { status: 201, body: configurationJson(state, record, last) };
  }
  return { status: 201, body: configurationJson(state, record, state.publish(record, body.Description ?? '')) };
}

function checkTarget(
  state: LambdaState,
  record: FunctionRecord,
  version: string,
  weights: Record<string, number>,
): void {
  if (version !== '$LATEST' && !record.versions.has(version)) {
    throw resourceNotFound(`Function not found: ${state.functionArn(record.name)}:${version}`);
  }
  const entries = Object.entries(weights);
  if (entries.length === 0) return;
  if (entries.length > 1)
    throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
  if (version === '$LATEST')
    throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
  for (const [extra, weight] of entries) {
    if (extra === version) {
      throw invalidParameter(
        `Invalid function version ${extra}. Function version ${extra} is already included in routing configuration.`,
      );
    }
    if (!record.versions.has(extra))
      throw resourceNotFound(`Function not found: ${state.functionArn(record.name)}:${extra}`);
    if (!(weight >= 0 && weight <= 1)) {
      throw invalidParameter(`Invalid weight ${weight} for version ${extra}: weights are between 0.0 and 1.0.`);
    }
  }
}

export function getAlias(state: LambdaState, name: string, aliasName: string): OperationResult {
  const record = state.lookUp(name);
  const alias = record.aliases.get(aliasName);
  if (!alias) throw resourceNotFound(`Alias not found: ${state.functionArn(record.name)}:${aliasName}`);
  return { status: 200, body: aliasJson(state, record, alias) };
}

export function createAlias(state: LambdaState, name: string, body: RequestBody): OperationResult {
  const record = state.lookUp(name);
  const aliasName = body.Name ?? '';
  if (!ALIAS_NAME.test(aliasName)) throw invalidParameter(`Invalid alias name: ${aliasName}`);
  if (record.aliases.has(aliasName)) {
    throw resourceConflict(`Alias already exists: ${state.functionArn(record.name)}:${aliasName}`);
  }
  const functionVersion = body.FunctionVersion ?? '';
  const weights = body.RoutingConfig?.AdditionalVersionWeights ?? {};
  checkTarget(state, record, functionVersion, weights);
  const alias = state.setAlias(record, {
    name: aliasName,
    functionVersion,
    description: body.Description ?? '',
    weights,
  });
  return { status: 201, body: aliasJson(state, record, alias) };
}

/** A field left out keeps its value; an empty AdditionalVersionWeights removes the routing config. */
export function updateAlias(state: LambdaState, name: string, aliasName: string, body: RequestBody): OperationResult {
  const record = state.lookUp(name);
  const alias = record.aliases.get(aliasName);
  if (!alias) throw resourceNotFound(`Alias not found: ${state.functionArn(record.name)}:${aliasName}`);
  if (body.RevisionId !== undefined && body.RevisionId !== alias.revisionId) throw preconditionFailed('GetAlias');
  const functionVersion = body.FunctionVersion ?? alias.functionVersion;
  const weights = body.RoutingConfig?.AdditionalVersionWeights ?? alias.weights ?? {};
  checkTarget(state, record, functionVersion, weights);
  const updated = state.setAlias(record, {
    name: aliasName,
    functionVersion,
    description: body.Description ?? alias.description,
    weights,
  });
  return { status: 200, body: aliasJson(state, record, updated) };
}
