/** `rollback` moves the alias back to the version it pointed at before the step, with all traffic. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';
import { zipContent } from '../../harness/lambda/lambda-state.ts';
import { buildBytes, failureOf, startLambdaWorld, useExampleCredentials, type LambdaWorld } from './lambda-world.ts';

const ALIAS_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:report-worker:dev';

let restoreCredentials: () => void;
beforeAll(() => {
  restoreCredentials = useExampleCredentials();
});
afterAll(() => restoreCredentials());

describe('lambda rollback', () => {
  let world: LambdaWorld;

  beforeEach(async () => {
    world = await startLambdaWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  it('moves the alias back to the version it had before apply', async () => {
    const ctx = world.context();
    const before = await lambdaAdapter.current(ctx);
    await lambdaAdapter.apply(ctx);
    expect(world.alias()?.functionVersion).toBe('2');

    const result = await lambdaAdapter.rollback?.(ctx, before);
    expect(result).toEqual({
      outputs: { functionVersion: '1', aliasArn: ALIAS_ARN, codeSha256: zipContent(buildBytes('1.0.0')).codeSha256 },
      summary: 'report-worker: moved alias dev back to version 1 (1.0.0) from 2',
    });
    expect(world.alias()?.functionVersion).toBe('1');
    expect(await lambdaAdapter.current(ctx)).toEqual(before);
  });

  it('takes all traffic back from a shift that was left half-way', async () => {
    const ctx = world.context();
    const before = await lambdaAdapter.current(ctx);
    await lambdaAdapter.apply(ctx);
    world.state.setAlias(world.fn, { name: 'dev', functionVersion: '1', description: '', weights: { '2': 0.1 } });

    await lambdaAdapter.rollback?.(ctx, before);
    expect(world.alias()?.functionVersion).toBe('1');
    expect(world.alias()?.weights).toBeUndefined();
  });

  it('changes nothing when the alias is already back', async () => {
    const ctx = world.context();
    const before = await lambdaAdapter.current(ctx);
    const result = await lambdaAdapter.rollback?.(ctx, before);
    expect(result?.summary).toBe('report-worker alias dev already points at version 1 (1.0.0): nothing to roll back');
    expect(world.standIn.operations()).not.toContain('UpdateAlias');
  });

  it('refuses, naming the component and how to do it by hand, when it does not know the version from before', async () => {
    const ctx = world.context({ environment: 'staging' });
    const before = await lambdaAdapter.current(ctx);
    expect(before).toEqual({ version: null });
    await lambdaAdapter.apply(ctx);

    const error = await failureOf(Promise.resolve(lambdaAdapter.rollback?.(ctx, before)));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain(
      'worker: Baton does not know which Lambda version alias staging of report-worker pointed at before this step',
    );
    expect(error.message).toContain(
      'aws lambda update-alias --region eu-west-1 --function-name report-worker --name staging',
    );
    expect(world.alias('staging')?.functionVersion).toBe('2');
  });

  it('refuses when the alias was deleted since', async () => {
    const ctx = world.context();
    const before = await lambdaAdapter.current(ctx);
    world.fn.aliases.delete('dev');
    const error = await failureOf(Promise.resolve(lambdaAdapter.rollback?.(ctx, before)));
    expect(error).toBeInstanceOf(TerminalStepError);
    expect(error.message).toContain('alias dev of report-worker in eu-west-1 no longer exists');
  });
});
