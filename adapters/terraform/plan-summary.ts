/**
 * Turns a saved plan (`terraform show -json`) into what people approve: a
 * count line like `+2 ~1 −1 in workspace production`, and one detail line per
 * resource, destructive changes first and spelled DESTROY so nobody misses them.
 * https://developer.hashicorp.com/terraform/internals/json-format#plan-representation
 */
import { z } from 'zod';

export const savedPlanSchema = z.object({
  resource_changes: z
    .array(
      z.object({
        address: z.string(),
        previous_address: z.string().optional(),
        action_reason: z.string().optional(),
        change: z.object({ actions: z.array(z.string()), importing: z.unknown().optional() }),
      }),
    )
    .default([]),
  output_changes: z.record(z.string(), z.object({ actions: z.array(z.string()) })).default({}),
});

export type SavedPlan = z.infer<typeof savedPlanSchema>;

export interface PlanSummary {
  summary: string;
  details: string[];
}

type ResourceAction = 'destroy' | 'replace' | 'update' | 'create' | 'forget' | 'none';

const REASONS: Record<string, string> = {
  delete_because_no_resource_config: 'no longer in the configuration',
  delete_because_no_module: 'its module was removed',
  delete_because_wrong_repetition: 'count or for_each was added or removed',
  delete_because_count_index: 'count no longer includes it',
  delete_because_each_key: 'for_each no longer includes it',
  delete_because_no_move_target: 'the target of its moved block is gone',
  replace_because_tainted: 'it is tainted',
  replace_because_cannot_update: 'a changed argument forces replacement',
  replace_by_request: 'replacement was requested',
  replace_by_triggers: 'replace_triggered_by fired',
};

function resourceAction(actions: readonly string[]): ResourceAction {
  const key = [...actions].sort().join(',');
  if (key === 'create,delete') return 'replace';
  if (key === 'delete') return 'destroy';
  if (key === 'update') return 'update';
  if (key === 'create') return 'create';
  if (key === 'forget') return 'forget';
  return 'none';
}

function withReason(line: string, reason: string | undefined): string {
  const text = reason === undefined ? undefined : REASONS[reason];
  return text === undefined ? line : `${line} (${text})`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}`;
}

export function summarizePlan(plan: SavedPlan, workspace: string, changes: boolean): PlanSummary {
  if (!changes) return { summary: `no changes in workspace ${workspace}`, details: [] };
  const lines: Record<ResourceAction, string[]> = {
    destroy: [],
    replace: [],
    update: [],
    create: [],
    forget: [],
    none: [],
  };
  const movesAndImports: string[] = [];
  for (const resource of plan.resource_changes) {
    const action = resourceAction(resource.change.actions);
    const line = {
      destroy: withReason(`DESTROY ${resource.address}`, resource.action_reason),
      replace: withReason(`DESTROY and re-create ${resource.address}`, resource.action_reason),
      update: `~ update ${resource.address}`,
      create: `+ create ${resource.address}`,
      forget: `- forget ${resource.address} (removed from the state; the object itself is kept)`,
      none: '',
    }[action];
    if (line !== '') lines[action].push(line);
    if (resource.previous_address !== undefined) {
      movesAndImports.push(`moved ${resource.previous_address} to ${resource.address}`);
    }
    if (resource.change.importing !== undefined) movesAndImports.push(`import ${resource.address}`);
  }
  const outputs = Object.entries(plan.output_changes)
    .filter(([, change]) => !change.actions.every((action) => action === 'no-op'))
    .map(([name]) => name)
    .sort();

  const added = lines.create.length + lines.replace.length;
  const destroyed = lines.destroy.length + lines.replace.length;
  const counts = `+${added} ~${lines.update.length} −${destroyed}`;
  const extras = [
    lines.forget.length > 0 ? plural(lines.forget.length, 'forgotten') : '',
    movesAndImports.length > 0 ? plural(movesAndImports.length, 'moved or imported') : '',
  ].filter((extra) => extra !== '');
  const resourceCount = added + lines.update.length + destroyed + lines.forget.length + movesAndImports.length;
  const onlyOutputs = resourceCount === 0 && outputs.length > 0 ? '; only outputs change' : '';
  return {
    summary: `${counts} in workspace ${workspace}${extras.length > 0 ? `, ${extras.join(', ')}` : ''}${onlyOutputs}`,
    details: [
      ...lines.destroy,
      ...lines.replace,
      ...lines.update,
      ...lines.create,
      ...lines.forget,
      ...movesAndImports,
      ...(outputs.length > 0 ? [`outputs that change: ${outputs.join(', ')}`] : []),
    ],
  };
}
