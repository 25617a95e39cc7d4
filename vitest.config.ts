import { defineConfig } from 'vitest/config';

export const testConfig = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Baton on Redis refuses to start without the key that encrypts sensitive outputs; tests share this one.
    env: { BATON_ENCRYPTION_KEY: 'u0ZyqvW8YHdTSKsvOj0j0Yl4e3ZyWl2kNrGgFZB6C5U=' },
  },
});

// vitest reads the config from the module's default export.
// eslint-disable-next-line no-restricted-syntax
export default testConfig;
