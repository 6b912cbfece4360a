import { coerceError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Runs cleanup steps in order; every step runs even if an earlier one fails (each failure is
 * logged with its label). Returns how many failed.
 */
export async function runSteps(steps: readonly [label: string, fn: () => Promise<unknown> | unknown][], logger: Logger): Promise<number> {
  let failed = 0;
  for (const [label, fn] of steps) {
    try {
      await fn();
    } catch (err: unknown) {
      failed += 1;
      logger.error({ step: label, err: coerceError(err).message }, 'stop step failed');
    }
  }
  return failed;
}
