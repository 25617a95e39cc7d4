import { defineConfig } from 'vitest/config';

export const testConfig = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

// vitest reads the config from the module's default export.
// eslint-disable-next-line no-restricted-syntax
export default testConfig;
