import { executionAsyncId } from 'node:async_hooks';

/**
 * Whether a promise hook is installed in this process (what an enabled `AsyncLocalStorage`
 * does on Node 20): with one, every promise gets an async id of its own, so two reactions run
 * under different ids; without one, both run under the same.
 */
export async function promiseHooksOn(): Promise<boolean> {
  const ids: number[] = [];
  await Promise.resolve().then(() => ids.push(executionAsyncId()));
  await Promise.resolve().then(() => ids.push(executionAsyncId()));
  return ids[0] !== ids[1];
}
