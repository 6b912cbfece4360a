import { onTestFinished } from 'vitest';

/**
 * Collects the unhandled promise rejections of the running test (each would end a Node process
 * by default), until the test finishes. Assert the array is empty at the end.
 */
export function collectUnhandledRejections(): unknown[] {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  onTestFinished(() => void process.off('unhandledRejection', onUnhandled));
  return unhandled;
}
