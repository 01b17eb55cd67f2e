import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One PGlite per worker process costs ~1 GB RSS at peak: keep workers few on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
