/** Where the release's code is, as people read it and as UpdateFunctionCode takes it. */
import type { UpdateFunctionCodeRequest } from '@aws-sdk/client-lambda';
import type { CodeSettings } from './schema.ts';

export interface CodeLocation {
  /** "s3://acme-builds/builds/report-worker-2.0.0.zip" or "image 1234….amazonaws.com/report-worker:2.0.0". */
  text: string;
  request: Pick<UpdateFunctionCodeRequest, 'S3Bucket' | 'S3Key' | 'ImageUri'>;
}

/** The settings schema guarantees either an image or both S3 fields. */
export function codeLocation(code: CodeSettings): CodeLocation {
  if (code.imageUri !== undefined) return { text: `image ${code.imageUri}`, request: { ImageUri: code.imageUri } };
  return {
    text: `s3://${code.s3Bucket ?? ''}/${code.s3Key ?? ''}`,
    request: { S3Bucket: code.s3Bucket, S3Key: code.s3Key },
  };
}
