import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // The SQL parsers load asynchronously once per worker (core/sql/analyze.ts); tests that call the
    // auditor or the learner directly find them ready, as the CLI and the function make them.
    setupFiles: ['test/support/sql-parsers.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
