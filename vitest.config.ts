import { defineConfig } from 'vitest/config';

// Tests import the packages by name, so they run against the built `dist/` (workers need real JS files).
// `npm test` builds first. Forks keep each test file in its own process: a misbehaving worker in one file
// cannot disturb another file's servers.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
