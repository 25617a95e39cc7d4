/**
 * What `plan` shows: the requests the step will send, how it decides the run
 * is done, and what it reads back. Nothing is sent except the `current` GET.
 */
import type { AdapterContext, StepPreview } from '../kit/contract.ts';
import { describeCondition } from './conditions.ts';
import { observeCurrent } from './current.ts';
import { idempotencyKey } from './pipeline.ts';
import { displayUrl, isCredentialHeader, type Redact } from './redaction.ts';
import type { HttpConfig, PipelineSettings } from './schema.ts';
import { bodyBytes } from './trigger-request.ts';

const BODY_PREVIEW_LIMIT = 200;

/** "POST https://ci.example/job/deploy (HMAC-signed), then poll … every 5s until $.status equals success". */
export function describePipeline(settings: PipelineSettings): string {
  const { trigger, poll } = settings;
  const request = `${trigger.method} ${displayUrl(trigger.url)}${trigger.hmac ? ' (HMAC-signed)' : ''}`;
  if (poll === undefined) return request;
  return `${request}, then poll ${displayUrl(poll.url)} every ${poll.interval} until ${describeCondition(poll.success)}`;
}

function headerLines(headers: Record<string, string>, prefix: string): string[] {
  return Object.entries(headers).map(
    ([name, value]) => `${prefix}header ${name}: ${isCredentialHeader(name) ? '***' : value}`,
  );
}

function bodyLine(settings: PipelineSettings): string[] {
  const bytes = bodyBytes(settings.trigger.body);
  if (bytes === undefined) return [];
  const text = Buffer.from(bytes).toString('utf8');
  return [`body: ${text.length <= BODY_PREVIEW_LIMIT ? text : `${text.slice(0, BODY_PREVIEW_LIMIT)}…`}`];
}

function pipelineDetails(settings: PipelineSettings, idempotencyKey: string): string[] {
  const { poll } = settings;
  return [
    `sends Idempotency-Key: ${idempotencyKey}`,
    ...headerLines(settings.trigger.headers, ''),
    ...bodyLine(settings),
    ...(poll === undefined
      ? []
      : [
          ...headerLines(poll.headers, 'poll '),
          poll.failure === undefined
            ? 'no failure condition: a failed run is noticed only when the timeout passes'
            : `fails when ${describeCondition(poll.failure)}`,
          `gives up ${poll.timeout} after the trigger`,
        ]),
    ...Object.entries(settings.outputs ?? {}).map(([name, expression]) => `output ${name} ← ${expression}`),
  ];
}

export async function previewStep(ctx: AdapterContext<HttpConfig>, redact: Redact): Promise<StepPreview> {
  const { config } = ctx;
  const reversible = config.rollback !== undefined;
  const observed = await observeCurrent(ctx, redact);
  if (observed.version !== null && observed.version === ctx.version) {
    return { summary: `already runs ${ctx.version}: nothing to trigger`, details: [], reversible, changes: false };
  }
  const details = [
    ...(observed.version === null ? [] : [`runs ${observed.version} now`]),
    ...pipelineDetails(config, idempotencyKey(ctx.stepId, 'apply')),
    config.rollback === undefined
      ? 'cannot be undone: there is no `rollback` setting'
      : `rollback: ${describePipeline(config.rollback)}`,
  ];
  return { summary: redact(describePipeline(config)), details: details.map(redact), reversible, changes: true };
}
