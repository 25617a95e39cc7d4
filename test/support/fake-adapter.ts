/**
 * An in-memory target for core tests: it records what ran, keeps the version
 * per environment and component, and fails or publishes outputs on request.
 */
import { z } from 'zod';
import type { AdapterContext, AdapterLookup, TargetAdapter } from '../../src/core/adapter-contract.ts';
import { RetryableStepError, TerminalStepError } from '../../src/core/step-errors.ts';

export const fakeConfigSchema = z.strictObject({
  outputs: z.record(z.string(), z.string()).optional(),
  /** Names of `outputs` the step declares secret. */
  sensitive: z.array(z.string()).optional(),
  /** A line apply writes to the step log. */
  say: z.string().optional(),
  /** Versions whose apply fails for good. */
  failOn: z.string().optional(),
  /** Fail this many attempts with a retryable error first. */
  flakyAttempts: z.string().optional(),
  /** The Retry-After (ms) those retryable errors carry. */
  retryAfterMs: z.string().optional(),
  reversible: z.boolean().optional(),
  /** How long apply takes (ms). */
  takes: z.string().optional(),
  seen: z.string().optional(),
});
type FakeConfig = z.infer<typeof fakeConfigSchema>;

export interface FakeCall {
  action: 'plan' | 'apply' | 'rollback';
  stepId: string;
  component: string;
  environment: string;
  version: string;
  config: FakeConfig;
  inputs: AdapterContext<unknown>['inputs'];
}

export class FakeTarget {
  readonly calls: FakeCall[] = [];
  readonly running = new Map<string, string>();
  private readonly attempts = new Map<string, number>();

  private key(ctx: AdapterContext<FakeConfig>): string {
    return `${ctx.environment}/${ctx.component}`;
  }

  private record(action: FakeCall['action'], ctx: AdapterContext<FakeConfig>): void {
    this.calls.push({
      action,
      stepId: ctx.stepId,
      component: ctx.component,
      environment: ctx.environment,
      version: ctx.version,
      config: ctx.config,
      inputs: ctx.inputs,
    });
  }

  applied(action: FakeCall['action'] = 'apply'): string[] {
    return this.calls.filter((c) => c.action === action).map((c) => c.component);
  }

  adapter(): TargetAdapter<FakeConfig> {
    return {
      kind: 'fake',
      description: 'An in-memory target for tests.',
      config: fakeConfigSchema,
      step: { timeoutMs: 5_000, retries: 2 },
      current: async (ctx) => ({ version: this.running.get(this.key(ctx)) ?? null }),
      plan: async (ctx) => {
        this.record('plan', ctx);
        const current = this.running.get(this.key(ctx));
        return {
          summary: `set ${ctx.component} to ${ctx.version}`,
          details: [`${current ?? 'nothing'} → ${ctx.version}`],
          reversible: ctx.config.reversible ?? true,
          changes: current !== ctx.version,
        };
      },
      apply: async (ctx) => {
        this.record('apply', ctx);
        const attempt = (this.attempts.get(ctx.stepId) ?? 0) + 1;
        this.attempts.set(ctx.stepId, attempt);
        if (ctx.config.takes) await new Promise((r) => setTimeout(r, Number(ctx.config.takes)));
        if (attempt <= Number(ctx.config.flakyAttempts ?? 0))
          throw new RetryableStepError(
            `flaky attempt ${attempt}`,
            ctx.config.retryAfterMs ? { retryAfterMs: Number(ctx.config.retryAfterMs) } : {},
          );
        if (ctx.config.failOn === ctx.version)
          throw new TerminalStepError(`${ctx.component} ${ctx.version} refused to start (token sekrit-value)`);
        this.running.set(this.key(ctx), ctx.version);
        if (ctx.config.say) ctx.log(ctx.config.say);
        ctx.log(`deployed ${ctx.version}`);
        return {
          outputs: ctx.config.outputs ?? {},
          summary: `set to ${ctx.version}`,
          ...(ctx.config.sensitive ? { sensitiveOutputs: ctx.config.sensitive } : {}),
        };
      },
      rollback: async (ctx, before) => {
        this.record('rollback', ctx);
        if (before.version) this.running.set(this.key(ctx), before.version);
        else this.running.delete(this.key(ctx));
        return { outputs: {}, summary: `restored ${before.version ?? 'nothing'}` };
      },
    };
  }
}

/** An adapter lookup that knows only the fake kind. */
export function fakeLookup(target: FakeTarget): AdapterLookup {
  const adapter = target.adapter() as unknown as TargetAdapter;
  return { get: (kind) => (kind === adapter.kind ? adapter : undefined), kinds: () => [adapter.kind] };
}
