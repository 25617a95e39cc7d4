/** `current` reads the release from the alias's version; `plan` previews from it without changing anything. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TerminalStepError } from '../../../adapters/kit/step-errors.ts';
import { lambdaAdapter } from '../../../adapters/lambda/index.ts';
import { zipContent } from '../../harness/lambda/lambda-state.ts';
import { buildBytes, failureOf, startLambdaWorld, useExampleCredentials, type LambdaWorld } from './lambda-world.ts';

let restoreCredentials: () => void;
beforeAll(() => {
  restoreCredentials = useExampleCredentials();
});
afterAll(() => restoreCredentials());

describe('lambda current and plan', () => {
  let world: LambdaWorld;

  beforeEach(async () => {
    world = await startLambdaWorld();
  });

  afterEach(async () => {
    await world.close();
  });

  describe('current', () => {
    it('reports the release in the description of the version the alias points at', async () => {
      expect(await lambdaAdapter.current(world.context())).toEqual({
        version: '1.0.0',
        detail: { functionVersion: '1', codeSha256: zipContent(buildBytes('1.0.0')).codeSha256 },
      });
    });

    it('reports nothing deployed when the alias does not exist', async () => {
      expect(await lambdaAdapter.current(world.context({ environment: 'production' }))).toEqual({ version: null });
    });

    it('reports the function version, without a release, when Baton did not publish it', async () => {
      world.state.publish(world.fn, 'hotfix by hand');
      world.state.setAlias(world.fn, { name: 'dev', functionVersion: '2', description: '' });
      expect(await lambdaAdapter.current(world.context())).toEqual({
        version: null,
        detail: { functionVersion: '2', codeSha256: zipContent(buildBytes('1.0.0')).codeSha256 },
      });
    });

    it('fails, naming the function and region, when the function does not exist', async () => {
      const error = await failureOf(
        lambdaAdapter.current(world.context({ config: world.settings({ function: 'report-wroker' }) })),
      );
      expect(error).toBeInstanceOf(TerminalStepError);
      expect(error.message).toContain('Lambda in eu-west-1 has no function report-wroker');
    });
  });

  describe('plan', () => {
    it('names the code, the alias move and the traffic shift', async () => {
      const ctx = world.context({
        stepId: 'step-5',
        config: world.settings({ weighted: { percent: 10, for: '10m' } }),
      });
      expect(await lambdaAdapter.plan(ctx)).toEqual({
        summary:
          'update report-worker code to s3://acme-builds/builds/report-worker-2.0.0.zip, publish, move alias dev 1 → new (10% for 10m, then 100%)',
        details: [
          `region eu-west-1 through ${world.standIn.endpoint}`,
          'alias dev now runs version 1 (1.0.0)',
          "the new version's description: baton step-5 2.0.0",
        ],
        reversible: true,
        changes: true,
      });
      expect(world.standIn.operations()).toEqual(['GetAlias', 'GetFunctionConfiguration']);
    });

    it('sees nothing to change once the alias runs the version', async () => {
      const ctx = world.context();
      await lambdaAdapter.apply(ctx);
      expect(await lambdaAdapter.plan(ctx)).toMatchObject({
        summary: 'report-worker alias dev already runs 2.0.0 (version 2): nothing to change',
        changes: false,
      });
    });

    it('says a new alias is created and that a rollback cannot remove it', async () => {
      const preview = await lambdaAdapter.plan(world.context({ environment: 'staging' }));
      expect(preview.summary).toBe(
        'update report-worker code to s3://acme-builds/builds/report-worker-2.0.0.zip, publish, create alias staging at new',
      );
      expect(preview.details).toContain(
        'alias staging does not exist yet: Baton creates it, and a rollback cannot remove it',
      );
      expect(preview.reversible).toBe(false);
    });

    it('is irreversible when the alias runs a version Baton did not publish', async () => {
      world.state.publish(world.fn, 'hotfix by hand');
      world.state.setAlias(world.fn, { name: 'dev', functionVersion: '2', description: '' });
      const preview = await lambdaAdapter.plan(world.context());
      expect(preview.reversible).toBe(false);
      expect(preview.details).toContain(
        'alias dev now runs version 2 (not published by Baton): Baton cannot tell which release that is, so it cannot roll back to it',
      );
    });

    it('shows a split alias as it is', async () => {
      world.state.publish(world.fn, 'baton step-canary 1.5.0');
      world.state.setAlias(world.fn, { name: 'dev', functionVersion: '1', description: '', weights: { '2': 0.25 } });
      const preview = await lambdaAdapter.plan(world.context());
      expect(preview.details).toContain('alias dev now runs version 1 (1.0.0), 25% to version 2');
    });
  });
});
