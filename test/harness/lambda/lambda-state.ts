/**
 * What the Lambda API stand-in remembers: functions with their `$LATEST`
 * code, published versions and aliases, plus the S3 objects and container
 * images code can come from. Tests seed it and inspect it through here; the
 * SDK reaches it only through the HTTP API in lambda-operations.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { resourceNotFound } from './api-error.ts';

export type UpdateStatus = 'Successful' | 'InProgress' | 'Failed';
export type PackageType = 'Zip' | 'Image';

/** `$LATEST` or one published version. */
export interface VersionRecord {
  version: string;
  codeSha256: string;
  codeSize: number;
  description: string;
  revisionId: string;
  lastModified: string;
  lastUpdateStatus: UpdateStatus;
  lastUpdateStatusReason?: string;
  lastUpdateStatusReasonCode?: string;
}

export interface AliasRecord {
  name: string;
  functionVersion: string;
  description: string;
  /** Lambda's RoutingConfig.AdditionalVersionWeights; absent when the alias sends all traffic to one version. */
  weights?: Record<string, number>;
  revisionId: string;
}

export interface UpdateFailure {
  reasonCode: string;
  reason: string;
}

export interface FunctionRecord {
  name: string;
  packageType: PackageType;
  latest: VersionRecord;
  versions: Map<string, VersionRecord>;
  lastPublished: number;
  aliases: Map<string, AliasRecord>;
  /** Ends the update in progress, as Lambda does a moment after UpdateFunctionCode. */
  updateTimer?: NodeJS.Timeout;
  /** Ends the update in progress now, for tests that decide when "someone else" is done. */
  finishUpdate?: () => void;
  /** Makes the next code update end in `Failed` with this reason. */
  nextUpdateFailure?: UpdateFailure;
}

export interface CodeContent {
  codeSha256: string;
  codeSize: number;
}

/** Lambda's LastModified format: 2026-05-12T10:00:00.000+0000. */
export function lambdaTimestamp(): string {
  return new Date().toISOString().replace('Z', '+0000');
}

export function zipContent(bytes: string): CodeContent {
  return { codeSha256: createHash('sha256').update(bytes).digest('base64'), codeSize: Buffer.byteLength(bytes) };
}

/** An image function's CodeSha256 is the image digest. */
export function imageContent(uri: string): CodeContent {
  return { codeSha256: createHash('sha256').update(uri).digest('hex'), codeSize: 0 };
}

export class LambdaState {
  readonly region: string;
  readonly accountId: string;
  readonly functions = new Map<string, FunctionRecord>();
  /** "bucket/key" → the object's bytes. */
  readonly s3Objects = new Map<string, string>();
  readonly images = new Set<string>();

  constructor(region: string, accountId: string) {
    this.region = region;
    this.accountId = accountId;
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /** Resolves a name or an unqualified function ARN, as Lambda's `{FunctionName}` path parameter accepts. */
  lookUp(nameOrArn: string): FunctionRecord {
    const arn = /^arn:aws:lambda:([^:]+):(\d{12}):function:([^:]+)$/.exec(nameOrArn);
    const name = arn ? arn[3] : nameOrArn;
    const here = !arn || (arn[1] === this.region && arn[2] === this.accountId);
    const found = here && name !== undefined ? this.functions.get(name) : undefined;
    if (!found) {
      throw resourceNotFound(`Function not found: ${arn ? nameOrArn : this.functionArn(nameOrArn)}`);
    }
    return found;
  }

  uploadBuild(bucket: string, key: string, bytes: string): void {
    this.s3Objects.set(`${bucket}/${key}`, bytes);
  }

  pushImage(uri: string): void {
    this.images.add(uri);
  }

  /** A function whose `$LATEST` already holds `code`, with no versions or aliases yet. */
  createFunction(name: string, packageType: PackageType, code: CodeContent): FunctionRecord {
    const record: FunctionRecord = {
      name,
      packageType,
      latest: {
        version: '$LATEST',
        ...code,
        description: '',
        revisionId: randomUUID(),
        lastModified: lambdaTimestamp(),
        lastUpdateStatus: 'Successful',
      },
      versions: new Map(),
      lastPublished: 0,
      aliases: new Map(),
    };
    this.functions.set(name, record);
    return record;
  }

  /** Copies `$LATEST` into the next version number, as PublishVersion does. */
  publish(record: FunctionRecord, description: string): VersionRecord {
    record.lastPublished += 1;
    const version: VersionRecord = {
      ...record.latest,
      version: String(record.lastPublished),
      description,
      revisionId: randomUUID(),
      lastUpdateStatus: 'Successful',
      lastUpdateStatusReason: undefined,
      lastUpdateStatusReasonCode: undefined,
    };
    record.versions.set(version.version, version);
    return version;
  }

  setAlias(record: FunctionRecord, alias: Omit<AliasRecord, 'revisionId'>): AliasRecord {
    const stored: AliasRecord = { ...alias, revisionId: randomUUID() };
    if (stored.weights !== undefined && Object.keys(stored.weights).length === 0) delete stored.weights;
    record.aliases.set(alias.name, stored);
    return stored;
  }

  clearTimers(): void {
    for (const record of this.functions.values()) clearTimeout(record.updateTimer);
  }
}
