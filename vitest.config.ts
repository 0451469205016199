import { defineConfig } from 'vitest/config';

// One vitest run over every project; each project has its own vitest.config.ts.
export default defineConfig({
  test: {
    projects: ['packages/*', 'plugins/*', 'tools/*'],
    // oclif's output capture needs console writes to reach the process streams.
    disableConsoleIntercept: true,
    pool: 'forks',
    // Starts (or reuses) the MLflow server and the other services of .ci/services for the integration tests.
    globalSetup: ['./.ci/test-services.ts'],
  },
});
