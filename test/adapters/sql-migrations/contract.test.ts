/**
 * The sql-migrations adapter against the shared target adapter contract, on
 * the real PostgreSQL server: a database at schema version 0001 is taken to
 * 0002, once with down files (reversible) and once without (not reversible).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AdapterContext } from '../../../adapters/kit/contract.ts';
import { sqlMigrationsAdapter } from '../../../adapters/sql-migrations/index.ts';
import { makeAdapterContext } from '../context.ts';
import { describeAdapterContract, type AdapterFixture } from '../contract-suite.ts';
import { createWorkspace } from './workspace.ts';

const UP = {
  '0001_create_orders.sql': 'CREATE TABLE orders (id bigserial PRIMARY KEY);\n',
  '0002_add_total.sql': 'ALTER TABLE orders ADD COLUMN total numeric NOT NULL DEFAULT 0;\n',
};

const DOWN = {
  '0001_create_orders.down.sql': 'DROP TABLE orders;\n',
  '0002_add_total.down.sql': 'ALTER TABLE orders DROP COLUMN total;\n',
};

function fixture(files: Record<string, string>, reversible: boolean): AdapterFixture {
  return {
    capabilities: { observesVersion: true, reversible },
    setUp: async () => {
      const workspace = await createWorkspace(files);
      await sqlMigrationsAdapter.apply(workspace.context({ version: '0001' }));
      const stepId = `step-${randomUUID().slice(0, 8)}`;
      return {
        adapter: sqlMigrationsAdapter,
        context: (overrides: Partial<AdapterContext<unknown>> = {}) =>
          makeAdapterContext<unknown>({
            config: workspace.settings,
            configDir: workspace.configDir,
            workDir: join(workspace.configDir, '.work'),
            component: 'schema',
            stepId,
            version: '0002',
            previousVersion: '0001',
            ...overrides,
          }),
        cleanup: () => workspace.cleanup(),
      };
    },
  };
}

describeAdapterContract('sql-migrations with down files', fixture({ ...UP, ...DOWN }, true));
describeAdapterContract('sql-migrations without down files', fixture(UP, false));
