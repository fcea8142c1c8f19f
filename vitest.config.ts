import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The web page script is bundled from TypeScript (tools/build-web.mjs) before any test runs.
    globalSetup: ['test/support/build-web.ts'],
    // OCR and the local servers are CPU-heavy; two cores is the target machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
