import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit` is everything that runs in this process on virtual time or local servers
 * (`npm run test:unit`, well under 30 s); `integration` spawns processes, packs the package,
 * drives a browser or runs for minutes: the soak, crash, e2e, browser, package and CLI-process
 * tests (`npm run test:integration`). `npm test` runs both.
 */
const INTEGRATION = [
  'test/soak/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/package/**/*.test.ts',
  'test/**/*.browser.test.ts',
  'test/orders/crash.test.ts',
  'test/cli/cli.test.ts',
  'test/sim-server/cli.test.ts',
  'test/adversarial/cli-output-files.test.ts',
  'test/adversarial/journal-files.test.ts',
  'test/adversarial/journal-lock.test.ts',
  'test/adversarial/long-periods.test.ts',
  'test/adversarial/secrets-partial.test.ts',
  'test/adversarial/secrets-redacted.test.ts',
  'test/adversarial/yaml-bomb.test.ts',
  'test/adversarial/yaml-shapes.test.ts',
  'test/storage/journal.test.ts',
];

const shared = { testTimeout: 30_000, hookTimeout: 30_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: INTEGRATION } },
      { test: { ...shared, name: 'integration', include: INTEGRATION } },
    ],
  },
});
