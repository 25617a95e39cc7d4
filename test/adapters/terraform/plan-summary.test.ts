/**
 * The preview of plans the test modules cannot produce with built-in
 * resources alone (forget, moved and import blocks), and how Terraform's
 * machine-readable lines become step log lines.
 */
import { describe, expect, it } from 'vitest';
import { readMachineLine } from '../../../adapters/terraform/machine-output.ts';
import { savedPlanSchema, summarizePlan } from '../../../adapters/terraform/plan-summary.ts';

function plan(json: unknown) {
  return savedPlanSchema.parse(json);
}

describe('plan summary', () => {
  it('lists forgotten, moved and imported resources after the others', () => {
    const summary = summarizePlan(
      plan({
        resource_changes: [
          { address: 'aws_s3_bucket.logs', change: { actions: ['forget'] } },
          { address: 'aws_iam_role.api', previous_address: 'aws_iam_role.app', change: { actions: ['no-op'] } },
          { address: 'aws_sqs_queue.jobs', change: { actions: ['no-op'], importing: { id: 'jobs' } } },
          {
            address: 'aws_sqs_queue.dead',
            change: { actions: ['delete'] },
            action_reason: 'delete_because_no_resource_config',
          },
          { address: 'data.aws_caller_identity.me', change: { actions: ['read'] } },
        ],
      }),
      'production',
      true,
    );
    expect(summary).toEqual({
      summary: '+0 ~0 −1 in workspace production, 1 forgotten, 2 moved or imported',
      details: [
        'DESTROY aws_sqs_queue.dead (no longer in the configuration)',
        '- forget aws_s3_bucket.logs (removed from the state; the object itself is kept)',
        'moved aws_iam_role.app to aws_iam_role.api',
        'import aws_sqs_queue.jobs',
      ],
    });
  });

  it('says when only outputs change', () => {
    const summary = summarizePlan(
      plan({ output_changes: { url: { actions: ['update'] }, name: { actions: ['no-op'] } } }),
      'dev',
      true,
    );
    expect(summary).toEqual({
      summary: '+0 ~0 −0 in workspace dev; only outputs change',
      details: ['outputs that change: url'],
    });
  });

  it('counts a replacement as one added and one destroyed, as Terraform does', () => {
    const summary = summarizePlan(
      plan({
        resource_changes: [
          {
            address: 'aws_instance.web',
            change: { actions: ['create', 'delete'] },
            action_reason: 'replace_because_tainted',
          },
        ],
      }),
      'dev',
      true,
    );
    expect(summary).toEqual({
      summary: '+1 ~0 −1 in workspace dev',
      details: ['DESTROY and re-create aws_instance.web (it is tainted)'],
    });
  });
});

describe('machine-readable lines', () => {
  it('shows the message of a UI line and the detail of a diagnostic, indented', () => {
    const line = JSON.stringify({
      '@level': 'error',
      '@message': 'Error: Saved plan is stale',
      type: 'diagnostic',
      diagnostic: {
        severity: 'error',
        summary: 'Saved plan is stale',
        detail: 'The given plan file can no longer be applied.\n\nIt is stale.',
      },
    });
    expect(readMachineLine(line)).toEqual({
      lines: ['Error: Saved plan is stale', '  The given plan file can no longer be applied.', '  It is stale.'],
      diagnostic: {
        severity: 'error',
        summary: 'Saved plan is stale',
        detail: 'The given plan file can no longer be applied.\n\nIt is stale.',
      },
    });
  });

  it('keeps the counts of a change summary', () => {
    const line = JSON.stringify({
      '@message': 'Apply complete! Resources: 1 added, 2 changed, 0 destroyed.',
      type: 'change_summary',
      changes: { add: 1, change: 2, import: 0, remove: 0, operation: 'apply' },
    });
    expect(readMachineLine(line).changes).toEqual({ add: 1, change: 2, remove: 0 });
  });

  it('never shows the raw JSON of an outputs message, which carries the values', () => {
    const line = JSON.stringify({
      '@message': 'Outputs: 1',
      type: 'outputs',
      outputs: { url: { sensitive: false, value: 'https://internal.example' } },
    });
    expect(readMachineLine(line)).toEqual({ lines: ['Outputs: 1'] });
  });

  it('shows lines that are not UI messages as they are, and drops blank ones', () => {
    expect(readMachineLine('panic: runtime error')).toEqual({ lines: ['panic: runtime error'] });
    expect(readMachineLine('{not json')).toEqual({ lines: ['{not json'] });
    expect(readMachineLine('   ')).toEqual({ lines: [] });
  });
});
