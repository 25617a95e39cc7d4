/**
 * The errors the Lambda API stand-in answers with, shaped like AWS Lambda's:
 * the error type in the `x-amzn-ErrorType` header (what the AWS SDK reads) and
 * a JSON body `{ "Type": "User", "message": "…" }`. Some Lambda errors spell
 * the field `Message`; the stand-in keeps each one's spelling.
 */
export class LambdaApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly messageField: 'message' | 'Message';
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    type: string,
    message: string,
    options: { messageField?: 'message' | 'Message'; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'LambdaApiError';
    this.status = status;
    this.type = type;
    this.messageField = options.messageField ?? 'message';
    this.headers = options.headers ?? {};
  }

  body(): Record<string, string> {
    return { Type: this.status >= 500 ? 'Service' : 'User', [this.messageField]: this.message };
  }
}

export function resourceNotFound(message: string): LambdaApiError {
  return new LambdaApiError(404, 'ResourceNotFoundException', message, { messageField: 'Message' });
}

export function resourceConflict(message: string): LambdaApiError {
  return new LambdaApiError(409, 'ResourceConflictException', message);
}

export function preconditionFailed(what: 'GetFunction' | 'GetAlias'): LambdaApiError {
  return new LambdaApiError(
    412,
    'PreconditionFailedException',
    `The Revision Id provided does not match the latest Revision Id. Call the ${what} API to retrieve the latest Revision Id`,
  );
}

export function invalidParameter(message: string): LambdaApiError {
  return new LambdaApiError(400, 'InvalidParameterValueException', message);
}
