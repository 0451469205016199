import { defineProject } from 'vitest/config';

export default defineProject({
  // The integration tests run prd end to end against Azurite and the AzureML control plane (whole runs on the
  // "node"): generous timeouts, which bound hangs on a busy machine rather than measure speed.
  test: { include: ['src/**/*.test.ts'], testTimeout: 600_000, hookTimeout: 120_000 },
});
