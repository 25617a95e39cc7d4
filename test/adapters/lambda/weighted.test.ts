/**
 * `weighted`: a share of the alias's traffic goes to the new version through
 * its RoutingConfig for a while, then all of it. Observed through the real SDK
 * while the adapter waits, as an operator watching the alias would see it.
 */
import { GetAliasCommand, type AliasConfiguration } from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';
import { failureOf, startLambdaWorld, useExampleCredentials, type LambdaWorld } from './lambda-world.ts';

let restoreCredentials: () => void;
beforeAll(() => {
  restoreCredentials = useExampleCredentials();
});
afterAll(() => restoreCredentials());

describe('lambda weighted alias shift', () => {
  let world: LambdaWorld;

  beforeEach(async () => {
    world = await startLambdaWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  function readAlias(): Promise<AliasConfiguration> {
    return world.client().send(new GetAliasCommand({ FunctionName: 'report-worker', Name: 'dev' }));
  }

  it('sends 10% to the new version for the given time, then all traffic', async () => {
    let duringShift: Promise<AliasConfiguration> | undefined;
    const ctx = world.context({
      config: world.settings({ weighted: { percent: 10, for: '300ms' } }),
      log: (line) => {
        if (line.startsWith('alias dev sends 10%')) duringShift = readAlias();
      },
    });
    const started = performance.now();
    const result = await lambdaAdapter.apply(ctx);
    const tookMs = performance.now() - started;

    expect(duringShift).toBeDefined();
    const shifted = await duringShift;
    expect(shifted?.FunctionVersion).toBe('1');
    expect(shifted?.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 });
    const after = await readAlias();
    expect(after.FunctionVersion).toBe('2');
    expect(after.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
    expect(tookMs).toBeGreaterThanOrEqual(300);
    expect(result.summary).toBe(
      'report-worker: published version 2 (2.0.0), alias dev 1 → 2 (10% for 300ms, then 100%)',
    );
    expect(ctx.logged).toContain('alias dev sends 10% of traffic to version 2 and the rest to version 1, for 300ms');
  });

  it('moves all traffic back to the old version when the step is stopped during the shift', async () => {
    const ctx = world.context({
      config: world.settings({ weighted: { percent: 25, for: '10m' } }),
      log: (line) => {
        if (line.startsWith('alias dev sends 25%')) ctx.abort(new Error('step timed out after 30m'));
      },
    });
    const error = await failureOf(lambdaAdapter.apply(ctx));

    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('Stopped while alias dev sent 25% of traffic to version 2');
    expect(error.message).toContain('step timed out after 30m');
    expect(error.message).toContain(
      'Baton moved all traffic of alias dev back to version 1; version 2 stays published, unused.',
    );
    const alias = await readAlias();
    expect(alias.FunctionVersion).toBe('1');
    expect(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  });

  it('says where traffic is when moving it back fails too', async () => {
    const ctx = world.context({
      config: world.settings({ weighted: { percent: 25, for: '10m' } }),
      log: (line) => {
        if (!line.startsWith('alias dev sends 25%')) return;
        world.standIn.failNext('UpdateAlias', {
          status: 403,
          type: 'AccessDeniedException',
          message: 'not authorized',
        });
        ctx.abort(new Error('cancelled by alice'));
      },
    });
    const error = await failureOf(lambdaAdapter.apply(ctx));
    expect(error.message).toContain('Moving all traffic back to version 1 failed too');
    expect(error.message).toContain('Alias dev sends 25% of traffic to version 2 and the rest to version 1');
    expect(world.alias()?.weights).toEqual({ '2': 0.25 });
  });

  it('finishes a shift that an earlier attempt left half-way', async () => {
    const config = world.settings({ weighted: { percent: 10, for: '300ms' } });
    const interrupted = world.context({
      stepId: 'step-9',
      config,
      log: (line) => {
        if (!line.startsWith('alias dev sends 10%')) return;
        // The worker dies before it can move traffic back, so the alias stays split.
        world.standIn.failNext(
          'UpdateAlias',
          { status: 500, type: 'ServiceException', message: 'internal failure' },
          3,
        );
        interrupted.abort(new Error('worker restarted'));
      },
    });
    await failureOf(lambdaAdapter.apply(interrupted));
    expect(world.alias()).toMatchObject({ functionVersion: '1', weights: { '2': 0.1 } });

    const result = await lambdaAdapter.apply(world.context({ stepId: 'step-9', config }));
    expect(result.outputs.functionVersion).toBe('2');
    expect(world.alias()).toMatchObject({ functionVersion: '2' });
    expect(world.alias()?.weights).toBeUndefined();
    expect([...world.fn.versions.keys()]).toEqual(['1', '2']);
  });

  it('gives a new alias all traffic at once: there is no old version to keep the rest on', async () => {
    const ctx = world.context({
      environment: 'staging',
      config: world.settings({ weighted: { percent: 10, for: '10m' } }),
    });
    const result = await lambdaAdapter.apply(ctx);
    expect(result.summary).toBe('report-worker: published version 2 (2.0.0), alias staging created at 2');
    expect(world.alias('staging')?.weights).toBeUndefined();
  });
});
