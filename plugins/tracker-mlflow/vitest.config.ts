import { defineProject } from 'vitest/config';

export default defineProject({
  // Integration tests talk to a real MLflow server and read back through its Python client (~4 s per call, more on
  // a busy CI machine): generous timeouts, which bound hangs rather than measure speed.
  test: { include: ['src/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 },
});
