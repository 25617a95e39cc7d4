/**
 * What every target adapter must do, whatever system it drives. Each adapter's
 * test calls `describeAdapterContract` with a fixture against a real target (or
 * a documented stand-in): deploying `v2` over a target that runs `v1`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdapterContext, TargetAdapter } from '../../adapters/kit/contract.ts';
import { TerminalStepError } from '../../adapters/kit/step-errors.ts';

/**
 * What the adapter can do with the fixture's settings. The suite registers only
 * the tests that apply, and checks the declaration itself, so a wrong one fails.
 */
export interface AdapterCapabilities {
  /** `current()` reports the version the target runs (otherwise `{ version: null }`). */
  observesVersion: boolean;
  /** `plan()` says the step can be undone and the adapter has `rollback`. */
  reversible: boolean;
}

/** One target for one test: set up fresh before each test, cleaned up after it. */
export interface AdapterTarget {
  adapter: TargetAdapter;
  /**
   * A context that deploys `v2` over the fixture's target running `v1`, with
   * valid settings. Calls without a `stepId` override may share one step id.
   */
  context(overrides?: Partial<AdapterContext<unknown>>): AdapterContext<unknown>;
  cleanup(): Promise<void>;
}

export interface AdapterFixture {
  /** Known when the suite is described: it decides which tests are registered. */
  capabilities: AdapterCapabilities;
  setUp(): Promise<AdapterTarget>;
}

const NOT_A_MAPPING = ['apply everything', 42, null, ['a', 'b']];

function readableIssues(error: z.ZodError): void {
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(issue.message.trim()).not.toBe('');
    expect(issue.message).not.toContain('[object');
  }
}

export function describeAdapterContract(name: string, { capabilities, setUp }: AdapterFixture): void {
  describe(`${name} passes the target adapter contract`, () => {
    let fixture: AdapterTarget;

    beforeEach(async () => {
      fixture = await setUp();
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('accepts the settings the fixture deploys with', () => {
      const result = fixture.adapter.config.safeParse(fixture.context().config);
      expect(result.error).toBeUndefined();
    });

    it('rejects an empty with: block, naming the settings that are missing', () => {
      const result = fixture.adapter.config.safeParse({});
      expect(result.success).toBe(false);
      if (result.success) return;
      readableIssues(result.error);
      for (const issue of result.error.issues) expect(issue.path.length).toBeGreaterThan(0);
    });

    it('rejects a with: block that is not a mapping', () => {
      for (const garbage of NOT_A_MAPPING) {
        const result = fixture.adapter.config.safeParse(garbage);
        expect(result.success, `accepted ${JSON.stringify(garbage)}`).toBe(false);
        if (!result.success) readableIssues(result.error);
      }
    });

    it('rejects a misspelled setting, naming it', () => {
      const settings = { ...(fixture.context().config as object), definitely_not_a_setting: true };
      const result = fixture.adapter.config.safeParse(settings);
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(z.prettifyError(result.error)).toContain('definitely_not_a_setting');
    });

    it('plan() previews without changing what runs', async () => {
      const ctx = fixture.context();
      const before = await fixture.adapter.current(ctx);
      const preview = await fixture.adapter.plan(ctx);
      expect(await fixture.adapter.current(ctx)).toEqual(before);
      expect(preview.summary.trim()).not.toBe('');
      expect(preview.details.every((line) => typeof line === 'string')).toBe(true);
    });

    if (capabilities.observesVersion) {
      it('current() reports the version the target runs, as the fixture declares', async () => {
        const observed = await fixture.adapter.current(fixture.context());
        expect(observed.version).not.toBeNull();
        expect(observed.version?.trim()).not.toBe('');
      });

      it('plan() reports a change when the target runs another version', async () => {
        const ctx = fixture.context();
        const before = await fixture.adapter.current(ctx);
        expect(before.version).not.toBeNull();
        expect(before.version).not.toBe(ctx.version);
        expect((await fixture.adapter.plan(ctx)).changes).toBe(true);
      });
    } else {
      it('current() reports an unknown version, as the fixture declares', async () => {
        expect(await fixture.adapter.current(fixture.context())).toEqual({ version: null });
      });
    }

    it('apply() returns a summary and string outputs', async () => {
      const result = await fixture.adapter.apply(fixture.context());
      expect(result.summary.trim()).not.toBe('');
      expect(Object.values(result.outputs).every((value) => typeof value === 'string')).toBe(true);
    });

    if (capabilities.observesVersion) {
      it('after apply(), current() reports the new version and plan() sees nothing left to change', async () => {
        const ctx = fixture.context();
        const before = await fixture.adapter.current(ctx);
        expect(before.version).not.toBeNull();
        await fixture.adapter.apply(ctx);
        expect((await fixture.adapter.current(ctx)).version).toBe(ctx.version);
        expect((await fixture.adapter.plan(ctx)).changes).toBe(false);
      });
    }

    it('apply() twice with the same step id leaves the same state and returns the same outputs', async () => {
      const ctx = fixture.context();
      const first = await fixture.adapter.apply(ctx);
      const afterFirst = await fixture.adapter.current(ctx);
      const second = await fixture.adapter.apply(ctx);
      expect(await fixture.adapter.current(ctx)).toEqual(afterFirst);
      expect(second.outputs).toEqual(first.outputs);
    });

    if (capabilities.reversible) {
      it('plan() says the step is reversible and the adapter can roll back, as the fixture declares', async () => {
        expect((await fixture.adapter.plan(fixture.context())).reversible).toBe(true);
        expect(fixture.adapter.rollback).toBeTypeOf('function');
      });

      it('rollback(ctx, before) brings back what ran before when the plan says the step is reversible', async () => {
        const ctx = fixture.context();
        const preview = await fixture.adapter.plan(ctx);
        expect(preview.reversible).toBe(true);
        expect(fixture.adapter.rollback).toBeDefined();
        const before = await fixture.adapter.current(ctx);
        await fixture.adapter.apply(ctx);
        const result = await fixture.adapter.rollback?.(ctx, before);
        expect(result?.summary.trim()).not.toBe('');
        expect((await fixture.adapter.current(ctx)).version).toBe(before.version);
      });
    } else {
      it('plan() says the step cannot be undone, as the fixture declares', async () => {
        expect((await fixture.adapter.plan(fixture.context())).reversible).toBe(false);
      });

      it('a step that cannot be undone says so instead of pretending to roll back', async () => {
        const ctx = fixture.context();
        const preview = await fixture.adapter.plan(ctx);
        expect(preview.reversible).toBe(false);
        if (fixture.adapter.rollback === undefined) return;
        const before = await fixture.adapter.current(ctx);
        await fixture.adapter.apply(ctx);
        const error: unknown = await fixture.adapter.rollback(ctx, before).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(TerminalStepError);
        expect((error as Error).message).toContain(ctx.component);
      });
    }

    it('apply() rejects without changing anything when the step was aborted before it started', async () => {
      const controller = new AbortController();
      controller.abort(new Error('cancelled by the test'));
      const ctx = fixture.context({ signal: controller.signal });
      const before = await fixture.adapter.current(fixture.context());
      await expect(fixture.adapter.apply(ctx)).rejects.toThrow();
      expect(await fixture.adapter.current(fixture.context())).toEqual(before);
    });

    it('apply() rejects when the step is aborted while it runs', async () => {
      const controller = new AbortController();
      const ctx = fixture.context({ signal: controller.signal });
      const applying = fixture.adapter.apply(ctx);
      controller.abort(new Error('timed out in the test'));
      await expect(applying).rejects.toThrow();
    });
  });
}
