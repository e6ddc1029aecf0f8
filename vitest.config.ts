import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // no test's verdict may depend on machine load: tests own no wall-clock limits of their
    // own, and this one only stops a hung test (an hour would be a bug, not a slow machine)
    testTimeout: 600_000,
    // vitest's default on a 2-core machine is one worker (cores − 1): the files would run one
    // after another while the heavy ones wait on child processes (Redis, Chromium, kernels
    // in namespaces). Every core: no verdict depends on load, and namespaces are per test run.
    maxWorkers: '100%',
    hookTimeout: 600_000,
    reporters: ['default', './test/support/skip-reporter.ts'],
  },
});
