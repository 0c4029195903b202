import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    pool: 'forks',
    // Vitest would use one fork on a 2-core machine; most of this suite waits on PostgreSQL,
    // git, child processes and a browser rather than on the CPU, so three files run at once.
    maxWorkers: 3,
    minWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Issue 14: every file fails if what its Tollgates wrote holds a token or a password.
    setupFiles: ['test/support/leak-collector/setup.ts'],
  },
});
