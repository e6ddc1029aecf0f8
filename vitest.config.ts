import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // no test's verdict may depend on machine load: tests own no wall-clock limits of their
    // own, and this one only stops a hung test (an hour would be a bug, not a slow machine)
    testTimeout: 600_000,
    hookTimeout: 600_000,
    reporters: ['default', './test/support/skip-reporter.ts'],
  },
});
