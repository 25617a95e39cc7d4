/**
 * Apply and rollback both run a pipeline: trigger it once per step (resuming
 * from the work folder when an earlier attempt already did), follow the run
 * when `poll` is set, and read the outputs from the final answer.
 */
import type { AdapterContext, StepResult } from '../kit/contract.ts';
import { describeWait } from '../kit/durations.ts';
import { stepStopped } from '../kit/stopped.ts';
import { statusLine } from './answers.ts';
import { describeCondition } from './conditions.ts';
import { extractOutputs, type OutputSource } from './outputs.ts';
import { pollUntilDone } from './poll.ts';
import { displayUrl, type Redact } from './redaction.ts';
import type { HttpConfig, PipelineSettings } from './schema.ts';
import { readTriggerRecord, type TriggerResponse } from './trigger-record.ts';
import { sendTrigger } from './trigger.ts';

export type PipelinePurpose = 'apply' | 'rollback';

/** The step id for apply; rollback of the same step is another request, so it gets a key of its own. */
export function idempotencyKey(stepId: string, purpose: PipelinePurpose): string {
  return purpose === 'apply' ? stepId : `${stepId}-rollback`;
}

export interface PipelineRun {
  ctx: AdapterContext<HttpConfig>;
  redact: Redact;
  settings: PipelineSettings;
  purpose: PipelinePurpose;
  /** Names the pipeline in messages: "api's pipeline", "api's rollback pipeline". */
  pipeline: string;
}

async function triggerOnce(run: PipelineRun, key: string): Promise<{ trigger: TriggerResponse; resumed: boolean }> {
  const { ctx, redact, settings, pipeline } = run;
  const stored = await readTriggerRecord(ctx.workDir, key);
  if (stored.kind === 'found' && stored.record.state === 'triggered') {
    ctx.log(
      redact(
        `${pipeline} was already triggered by an earlier attempt of this step (at ${stored.record.sentAt}, Idempotency-Key ${key}): ` +
          'following that run instead of triggering again',
      ),
    );
    return { trigger: stored.record.response, resumed: true };
  }
  if (stored.kind === 'found') {
    ctx.log(
      `an earlier attempt of this step stopped while sending the trigger (at ${stored.record.sentAt}), so it may have arrived: ` +
        `sending it again with the same Idempotency-Key (${key}), which the receiver should use to ignore a repeat`,
    );
  } else if (stored.kind === 'unreadable') {
    ctx.log(
      `the record of an earlier attempt in ${stored.file} cannot be read: sending the trigger again with the same Idempotency-Key (${key})`,
    );
  }
  const trigger = await sendTrigger({ ctx, redact, settings: settings.trigger, idempotencyKey: key, pipeline });
  return { trigger, resumed: false };
}

export async function runPipeline(run: PipelineRun): Promise<StepResult> {
  const { ctx, redact, settings, pipeline } = run;
  if (ctx.signal.aborted) throw stepStopped(ctx.signal, redact, `before triggering ${pipeline}`, 'Nothing was sent.');
  const key = idempotencyKey(ctx.stepId, run.purpose);
  const { trigger, resumed } = await triggerOnce(run, key);
  const answered =
    `${settings.trigger.method} ${displayUrl(trigger.url)} answered ${statusLine(trigger)}` +
    (resumed ? ' (to an earlier attempt of this step)' : '');
  const outputContext = { redact, pipeline };
  if (settings.poll === undefined) {
    const source: OutputSource = { body: trigger.body, from: displayUrl(trigger.url), trigger };
    return {
      outputs: extractOutputs(settings.outputs, source, outputContext),
      summary: redact(`${pipeline} triggered: ${answered}`),
    };
  }
  const final = await pollUntilDone({ ctx, redact, settings: settings.poll, trigger, pipeline });
  const source: OutputSource = { body: final.answer.body, from: displayUrl(final.url), trigger };
  const outputs = extractOutputs(settings.outputs, source, outputContext);
  return {
    outputs,
    summary: redact(
      `${pipeline} succeeded: ${displayUrl(final.url)} reports ${describeCondition(settings.poll.success)}, ` +
        `${describeWait(final.elapsedMs)} after ${answered}`,
    ),
  };
}
