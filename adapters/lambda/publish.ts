/**
 * Puts the release's code on `$LATEST` and publishes it as an immutable
 * version whose description records the step and the release.
 */
import { PublishVersionCommand, UpdateFunctionCodeCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { RetryableStepError } from '../kit/step-errors.ts';
import { codeLocation } from './code-location.ts';
import type { LambdaSession } from './session.ts';
import { waitForUpdate } from './wait-for-update.ts';

export async function publishRelease(session: LambdaSession, description: string): Promise<FunctionConfiguration> {
  const { ctx, client, functionName } = session;
  const code = codeLocation(ctx.config.code);
  ctx.log(`updating the code of ${functionName} in ${session.region} to ${code.text}`);
  const updated = await session.call(
    'UpdateFunctionCode',
    (options) => client.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ...code.request }), options),
    { about: code.text },
  );
  ctx.log(`waiting for Lambda to finish the update (LastUpdateStatus ${updated.LastUpdateStatus ?? 'not reported'})`);
  const settled = await waitForUpdate(session, code.text);
  if (settled.CodeSha256 !== updated.CodeSha256) {
    throw new RetryableStepError(
      ctx.redact(
        `The code of ${functionName} changed again while Lambda was applying ${code.text} ` +
          `(expected code sha256 ${updated.CodeSha256 ?? 'unknown'}, found ${settled.CodeSha256 ?? 'unknown'}): ` +
          'someone else deployed it at the same time. ' +
          'Baton tries again from the start.',
      ),
    );
  }
  // CodeSha256 and RevisionId make Lambda refuse to publish if anyone changed $LATEST since Baton looked.
  const published = await session.call('PublishVersion', (options) =>
    client.send(
      new PublishVersionCommand({
        FunctionName: functionName,
        CodeSha256: updated.CodeSha256,
        RevisionId: settled.RevisionId,
        Description: description,
      }),
      options,
    ),
  );
  if (published.Description !== description) {
    // Lambda publishes nothing new when $LATEST equals the latest version; it returns that version instead.
    ctx.log(
      `Lambda reused version ${published.Version ?? '?'} ("${published.Description ?? ''}"): its code and configuration are the same`,
    );
  } else {
    ctx.log(`published version ${published.Version ?? '?'} (code sha256 ${published.CodeSha256 ?? '?'})`);
  }
  return published;
}
