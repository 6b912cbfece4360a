import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit` is everything that runs in this process on virtual time or local servers
 * (`npm run test:unit`, under 30 s); `integration` spawns processes, packs the package, drives a
 * browser, or runs on the wall clock for long against real servers: the soak, crash, e2e,
 * browser, package and CLI-process tests, and the slow adversarial runs
 * (`npm run test:integration`). `npm test` runs both.
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
  'test/adversarial/stop-while-starting-cli.test.ts',
  'test/adversarial/signal-while-loading-cli.test.ts',
  'test/adversarial/signal-while-importing-cli.test.ts',
  // Subscribes the process to SIGINT and SIGTERM for good: a process of its own.
  'test/cli/process-signals.test.ts',
  'test/adversarial/refused-credentials-cli.test.ts',
  'test/adversarial/fresh-price-wait.test.ts',
  'test/adversarial/browser-test-without-chromium.test.ts',
  'test/storage/journal.test.ts',
  // Mocks node:fs (a failing fsync): it needs a module cache of its own.
  'test/storage/wal-sync-failure.test.ts',
  // Wall-clock runs against real servers: ten starts under faults, ccxt.pro streams on sockets.
  'test/adversarial/start-faults.test.ts',
  'test/adversarial/stop-with-hung-read.test.ts',
  'test/streams/engine-streaming.test.ts',
  'test/streams/stream-lag-sim-server.test.ts',
  // Runs the sources with tsx from another working directory.
  'test/core/module-worker.test.ts',
  // Mocks the status server's start: a module cache of its own.
  'test/engine/status-server-stop-race.test.ts',
  // Pins the process's threads to CPUs: a process of its own.
  'test/engine/thread-pinning-process.test.ts',
  // Asserts the process-wide promise hook: a process of its own.
  'test/exchange/promise-hooks.test.ts',
];

const shared = { testTimeout: 30_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    reporters: ['default'],
    // The pools are shared by the projects, so isolation is set here, per pool (vitest 3): the
    // unit project's threads share their module cache, the integration project's forks do not.
    // Unit files wait on local servers more than they compute: one thread per core (vitest
    // would leave one core to itself, a single thread on a 2-core machine).
    // The integration forks mostly wait on servers and child processes too: two at a time halves
    // the suite (one fork, vitest's default on two cores, made them its critical path).
    poolOptions: { threads: { isolate: false, maxThreads: Math.max(2, availableParallelism()) }, forks: { isolate: true, maxForks: Math.max(2, availableParallelism()) } },
    projects: [
      // Unit files run without per-file isolation: each file would otherwise import ccxt and the
      // engine afresh, about a second of CPU per file, which was most of the project's time. The
      // engine's module-level state is caches, plus registries an updater releases when it stops
      // (the default notifier, journal locks): a file that stops what it starts leaves nothing
      // behind for the next.
      { test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: INTEGRATION, pool: 'threads' } },
      { test: { ...shared, name: 'integration', include: INTEGRATION, pool: 'forks' } },
    ],
  },
});
